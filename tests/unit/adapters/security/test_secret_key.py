"""The development secret key file: made once, then reused."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from oolvay.adapters.security.secret_key import load_or_create_secret_key


def test_a_missing_key_is_made_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret_key"

    first = load_or_create_secret_key(path)

    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret_key(path) == first
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]


def test_an_existing_key_is_used(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("x" * 40 + "\n")

    assert load_or_create_secret_key(path) == "x" * 40


def test_a_damaged_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    path.write_text("short")

    with pytest.raises(ValueError, match="too short"):
        load_or_create_secret_key(path)
