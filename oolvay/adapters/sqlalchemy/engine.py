"""The engine factory: DATABASE_URL in, a configured Engine out (SQLite or PostgreSQL)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

POSTGRES_DRIVER = "postgresql+psycopg"
SQLITE_BUSY_TIMEOUT_SECONDS = 30
"""How long a writer waits for SQLite's single write lock before giving up."""


class DatabaseUrlError(ValueError):
    """DATABASE_URL cannot be used; the message names the variable and says why."""


def parse_database_url(raw: str) -> URL:
    """The URL to connect with. ``postgres://`` and ``postgresql://`` mean psycopg 3."""
    try:
        url = sa.make_url(raw.strip())
    except ArgumentError:
        raise DatabaseUrlError(
            f"DATABASE_URL: cannot parse {raw!r}; expected e.g. sqlite:///var/oolvay.db "
            "or postgresql://user@host:5432/dbname"
        ) from None
    if url.drivername in {"postgres", "postgresql", POSTGRES_DRIVER}:
        return url.set(drivername=POSTGRES_DRIVER)
    if url.drivername in {"sqlite", "sqlite+pysqlite"}:
        if url.database in (None, "", ":memory:"):
            raise DatabaseUrlError(
                "DATABASE_URL: an in-memory SQLite database would vanish between "
                "connections; name a file, e.g. sqlite:///var/oolvay.db"
            )
        return url.set(drivername="sqlite+pysqlite")
    raise DatabaseUrlError(
        f"DATABASE_URL: unsupported database {url.drivername!r} in "
        f"{url.render_as_string(hide_password=True)!r}; use sqlite:/// or postgresql://"
    )


def describe_database_error(error: BaseException) -> str | None:
    """The driver's own first line for a database error (no SQL, no parameters), with what
    to check; None when ``error`` is not one."""
    if not isinstance(error, sa.exc.DBAPIError):
        return None
    reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
    return (
        f"the database refused the command ({reason}). `oolvay db check` says whether "
        "DATABASE_URL answers and is migrated; `oolvay db upgrade` applies the migrations"
    )


def create_database_engine(raw_url: str, *, pool_size: int = 5) -> Engine:
    """An Engine for DATABASE_URL. Raises DatabaseUrlError; does not connect yet.

    ``pool_size`` connections are kept (and as many again opened when busy): a send runs a
    transaction per message from each of its parallel batches."""
    url = parse_database_url(raw_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, pool_size)
    return sa.create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects are never ORM-mapped, so nothing needs expiring after a commit.
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_engine(url: URL, pool_size: int) -> Engine:
    assert url.database is not None
    folder = Path(url.database).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseUrlError(
            f"DATABASE_URL: cannot create the folder {str(folder)!r}: {error.strerror}"
        ) from None
    # pysqlite's own transaction handling is kept on purpose: it opens the transaction at
    # the first write, so reads see the latest commit (as PostgreSQL's READ COMMITTED
    # does) and a write never fails on a stale snapshot; writers queue for the lock.
    engine = sa.create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        pool_size=pool_size,
        max_overflow=pool_size,
    )
    sa.event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()
