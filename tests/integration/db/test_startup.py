"""Start-up stops with a message, never a traceback, when the database cannot be used."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from oolvay.adapters.cli.app import app
from oolvay.adapters.sqlalchemy.engine import (
    DatabaseUrlError,
    create_database_engine,
    parse_database_url,
)
from oolvay.adapters.sqlalchemy.schema import database_problem
from tests.integration.db.conftest import MakeDatabase


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The CLI configures structlog to write to CliRunner's stderr, which closes after."""
    yield
    structlog.reset_defaults()


def a_closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u:secret@h:5433/db", "postgresql+psycopg://u:secret@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///var/oolvay.db", "sqlite+pysqlite:///var/oolvay.db"),
    ],
)
def test_database_urls_are_normalised_to_the_supported_drivers(raw: str, expected: str) -> None:
    assert parse_database_url(raw).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("not a url", "cannot parse"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
    ],
)
def test_an_unusable_database_url_names_DATABASE_URL(raw: str, reason: str) -> None:
    with pytest.raises(DatabaseUrlError, match=f"^DATABASE_URL: .*{reason}"):
        create_database_engine(raw)


def test_a_password_is_never_shown() -> None:
    with pytest.raises(DatabaseUrlError) as raised:
        parse_database_url("mysql://user:hunter2@h/db")

    assert "hunter2" not in str(raised.value)


def test_an_unreachable_server_is_reported_naming_DATABASE_URL() -> None:
    url = f"postgresql://user:hunter2@127.0.0.1:{a_closed_port()}/oolvay"

    problem = database_problem(lambda: create_database_engine(url))

    assert problem is not None
    assert problem.startswith("DATABASE_URL: cannot connect to postgresql+psycopg://user:***@")
    assert "hunter2" not in problem


def test_serve_refuses_a_bad_database_url_without_a_traceback() -> None:
    result = CliRunner().invoke(app, ["serve"], env={"DATABASE_URL": "nonsense"})

    assert result.exit_code == 1
    assert "DATABASE_URL: cannot parse 'nonsense'" in result.output
    assert "Traceback" not in result.output


def test_serve_refuses_an_unreachable_database() -> None:
    url = f"postgresql://postgres@127.0.0.1:{a_closed_port()}/oolvay"

    result = CliRunner().invoke(app, ["serve"], env={"DATABASE_URL": url})

    assert result.exit_code == 1
    assert "DATABASE_URL: cannot connect" in result.output
    assert "Traceback" not in result.output


def test_serve_refuses_an_unmigrated_database_and_says_what_to_run(
    make_database: MakeDatabase,
) -> None:
    result = CliRunner().invoke(app, ["serve"], env={"DATABASE_URL": make_database()})

    assert result.exit_code == 1
    assert "run `oolvay db upgrade`" in result.output
    assert "Traceback" not in result.output


def test_db_upgrade_then_db_check_succeeds(make_database: MakeDatabase) -> None:
    env = {"DATABASE_URL": make_database()}
    runner = CliRunner()

    before = runner.invoke(app, ["db", "check"], env=env)
    upgraded = runner.invoke(app, ["db", "upgrade"], env=env)
    after = runner.invoke(app, ["db", "check"], env=env)

    assert before.exit_code == 1
    assert (upgraded.exit_code, after.exit_code) == (0, 0)
    assert "latest migration" in after.output


def test_the_embedded_default_creates_its_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'oolvay.db'}"

    result = CliRunner().invoke(app, ["db", "upgrade"], env={"DATABASE_URL": url})

    assert result.exit_code == 0
    assert (tmp_path / "var" / "oolvay.db").exists()
