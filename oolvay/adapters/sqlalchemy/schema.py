"""Applying Alembic migrations, and checking at start-up that the database is usable."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from oolvay.adapters.sqlalchemy.engine import DatabaseUrlError

MIGRATIONS = Path(__file__).parent / "migrations"
UPGRADE_HINT = "run `oolvay db upgrade` (`make run` does it for the embedded default)"


def alembic_config(connection: Connection | None = None) -> Config:
    # stdout as it is now (a CLI harness may have swapped it): what a migration prints
    # (0004's report of merged users) goes where the command's output goes.
    config = Config(MIGRATIONS / "alembic.ini", stdout=sys.stdout)
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def latest_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


def database_problem(engine: Callable[[], Engine], *, require_latest: bool = True) -> str | None:
    """What stops the service from using the database, or None when it is ready.

    Checks that DATABASE_URL parses, that the database answers and (unless
    ``require_latest`` is false) that every migration has been applied."""
    try:
        connected = engine()
    except DatabaseUrlError as error:
        return str(error)
    where = connected.url.render_as_string(hide_password=True)
    try:
        with connected.connect() as connection:
            current = current_revisions(connection)
    except sa.exc.DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return f"DATABASE_URL: cannot connect to {where}: {reason}"
    if require_latest:
        latest = latest_revisions()
        if current != latest:
            at = f"at {', '.join(sorted(current))}" if current else "no migrations applied"
            return (
                f"the database schema at {where} is not at the latest migration "
                f"({at}; latest is {', '.join(sorted(latest))}): {UPGRADE_HINT}"
            )
    return None


def upgrade_problem(engine: Callable[[], Engine]) -> str | None:
    """Apply every pending migration; what went wrong, or None when the schema is current."""
    problem = database_problem(engine, require_latest=False)
    if problem is not None:
        return problem
    try:
        upgrade(engine())
    except sa.exc.DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return f"migrating the database failed: {reason}"
    return None
