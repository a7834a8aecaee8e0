"""Alembic environment: runs on the connection handed in by ``schema.py``, or on
DATABASE_URL when the ``alembic`` command is used directly (e.g. to write a revision)."""

from __future__ import annotations

import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from oolvay.adapters.sqlalchemy.engine import create_database_engine
from oolvay.adapters.sqlalchemy.tables import UtcDateTime, metadata
from oolvay.settings import load_settings


def render_item(kind: str, item: Any, _context: AutogenContext) -> str | Literal[False]:
    # A revision must not import application code: write the column type it stores.
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_on_database_url() -> None:
    engine = create_database_engine(load_settings(os.environ).deployment.database_url)
    try:
        with engine.begin() as connection:
            run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported")
given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    run_on_database_url()
