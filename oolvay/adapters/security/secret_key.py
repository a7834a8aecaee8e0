"""The development secret key: made once, kept in a file so that links survive restarts."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

MIN_SECRET_KEY_LENGTH = 32


def load_or_create_secret_key(path: Path) -> str:
    """The key stored at ``path``, creating it (readable by the owner only) if absent.

    Two processes starting at once agree on one key: the file appears whole, by a hard
    link that fails if another process linked first.
    """
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ValueError(f"{path}: the secret key in this file is too short; delete the file")
    return key
