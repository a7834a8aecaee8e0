"""Migrations are the only way the schema is made: they match the tables, and go both ways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Engine

from oolvay.adapters.sqlalchemy.engine import create_database_engine
from oolvay.adapters.sqlalchemy.schema import (
    current_revisions,
    database_problem,
    downgrade,
    latest_revisions,
    upgrade,
)
from oolvay.adapters.sqlalchemy.tables import metadata
from tests.integration.db.conftest import MakeDatabase

TABLES = {
    "users",
    "posts",
    "deliveries",
    "api_tokens",
    "failed_dispatches",
    "reports",
    "report_contents",
    "sends",
    "send_leases",
    "bounce_events",
    "editor_passwords",
    "editor_sessions",
    "rate_limits",
}


@pytest.fixture
def empty_engine(make_database: MakeDatabase) -> Iterator[Engine]:
    engine = create_database_engine(make_database())
    yield engine
    engine.dispose()


def table_names(engine: Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_the_schema_and_downgrade_removes_it_cleanly(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    assert table_names(empty_engine) == TABLES

    downgrade(empty_engine, "base")
    assert table_names(empty_engine) == set()

    upgrade(empty_engine)
    assert table_names(empty_engine) == TABLES
    with empty_engine.connect() as connection:
        assert current_revisions(connection) == latest_revisions()


def test_the_migrated_schema_matches_the_tables_the_code_uses(empty_engine: Engine) -> None:
    upgrade(empty_engine)

    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)

    assert differences == []


def test_an_unmigrated_database_is_reported_with_the_command_to_run(empty_engine: Engine) -> None:
    problem = database_problem(lambda: empty_engine)

    assert problem is not None
    assert "not at the latest migration" in problem
    assert "no migrations applied" in problem
    assert "oolvay db upgrade" in problem


def test_a_database_behind_the_latest_migration_is_reported(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'older'"))

    problem = database_problem(lambda: empty_engine)

    assert problem is not None
    assert "at older" in problem
    assert "oolvay db upgrade" in problem


def test_a_migrated_database_is_ready(empty_engine: Engine) -> None:
    upgrade(empty_engine)

    assert database_problem(lambda: empty_engine) is None
