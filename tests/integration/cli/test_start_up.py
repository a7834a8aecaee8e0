"""The command line as a process: what it imports to start, and what a user sees when
the settings or the database are not right (a message, never a traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

HEAVY = ("fastapi", "sqlalchemy", "alembic", "inngest", "sentry_sdk", "uvicorn", "jinja2")
IMPORTED_BY = """
import json, sys
sys.argv = ["oolvay", *{args!r}]
from oolvay.adapters.cli.app import main
try:
    main()
except SystemExit:
    pass
heavy = {heavy!r}
print(json.dumps([m for m in heavy if m in sys.modules]), file=sys.stderr)
"""


def heavy_imports(args: list[str], environ: Mapping[str, str], cwd: Path) -> list[str]:
    script = IMPORTED_BY.format(args=args, heavy=(*HEAVY, "rich", "dependency_injector"))
    done = subprocess.run(
        [sys.executable, "-c", script], env=dict(environ), cwd=cwd, capture_output=True, text=True
    )
    imported: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return imported


def oolvay(
    args: list[str], environ: Mapping[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oolvay", *args],
        env=dict(environ),
        cwd=cwd,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def environ(tmp_path: Path) -> dict[str, str]:
    """A clean environment, a database of its own, and the repository's config."""
    import os

    keep = {k: v for k, v in os.environ.items() if not k.startswith(("OOLVAY_", "INNGEST_"))}
    config = Path(__file__).parents[3] / "config" / "site.toml"
    return {
        **{k: v for k, v in keep.items() if k not in {"DATABASE_URL", "SENTRY_DSN", "SMTP_URL"}},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'oolvay.db'}",
        "OOLVAY_CONFIG": str(config),
        "OOLVAY_SECRET_KEY": "k" * 40,
    }


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["posts", "--help"]])
def test_help_and_version_import_nothing_heavy(
    args: list[str], environ: dict[str, str], tmp_path: Path
) -> None:
    assert heavy_imports(args, environ, tmp_path) == []


def test_a_database_command_imports_no_inngest_alembic_sentry_jinja_or_server(
    environ: dict[str, str], tmp_path: Path
) -> None:
    assert oolvay(["db", "upgrade"], environ, tmp_path).returncode == 0

    imported = heavy_imports(["posts", "list"], environ, tmp_path)

    assert "sqlalchemy" in imported
    assert not {"inngest", "alembic", "sentry_sdk", "jinja2", "uvicorn"} & set(imported)


def test_a_database_not_migrated_is_a_message_without_sql_or_traceback(
    environ: dict[str, str], tmp_path: Path
) -> None:
    done = oolvay(["editors", "create", "ed@example.com"], environ, tmp_path)

    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "SELECT" not in done.stderr
    assert "no such table: users" in done.stderr
    assert "oolvay db upgrade" in done.stderr


def test_an_invalid_sentry_dsn_is_a_message_naming_it(
    environ: dict[str, str], tmp_path: Path
) -> None:
    done = oolvay(["posts", "list"], {**environ, "SENTRY_DSN": "not a dsn"}, tmp_path)

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "environment variable SENTRY_DSN: not a Sentry DSN" in done.stderr


def test_a_config_path_naming_a_directory_is_a_message(
    environ: dict[str, str], tmp_path: Path
) -> None:
    done = oolvay(["posts", "list"], {**environ, "OOLVAY_CONFIG": str(tmp_path)}, tmp_path)

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "is a directory, not a config file" in done.stderr
