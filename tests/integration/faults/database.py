"""A database that fails on purpose: the statement recording one recipient's outcome, or
every connection for as long as an outage lasts.

PostgreSQL fails for real: the server ends the session (``pg_terminate_backend``), or the
database refuses connections (``ALLOW_CONNECTIONS false``). SQLite has no server to lose:
the driver's own "database is locked" (SQLITE_BUSY, what a writer gets when another holds
the lock past the busy timeout) is raised where the statement would run."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def _busy() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = 5
    error.sqlite_errorname = "SQLITE_BUSY"
    return error


def is_a_record(statement: str) -> bool:
    """The statement that stores one recipient's outcome under its lease: it sets the
    state (and not the claimant) of one user's delivery, where the lease holds it."""
    changes, _, where = statement.partition(" WHERE ")
    return (
        changes.startswith("UPDATE deliveries SET state")
        and "claimant" not in changes
        and "deliveries.user_id" in where
        and "deliveries.claimant" in where
    )


def _admin(engine: Engine) -> Engine | None:
    if engine.dialect.name != "postgresql":
        return None
    # Connected to another database of the server: one that refuses connections cannot
    # be told to accept them again from inside.
    return sa.create_engine(
        engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.NullPool
    )


class RecordFaults:
    """Makes the database fail the statements that record outcomes.

    ``arm(at, count)``: counting record statements from 0, the ``at``-th and the ``count - 1``
    after it fail (a retry's statements count too)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seen = self.failed = self.at = self.count = 0
        self._admin = _admin(engine)

    def arm(self, *, at: int, count: int) -> None:
        self.seen, self.failed, self.at, self.count = 0, 0, at, count

    def __call__(self, connection: sa.Connection, cursor: Any, statement: str, *_: Any) -> None:
        if not is_a_record(statement):
            return
        index, self.seen = self.seen, self.seen + 1
        if not self.at <= index < self.at + self.count:
            return
        self.failed += 1
        if self._admin is None:
            raise _busy()
        pid = connection.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
        with self._admin.connect() as admin:
            admin.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})

    @contextlib.contextmanager
    def listening(self) -> Iterator[RecordFaults]:
        sa.event.listen(self.engine, "before_cursor_execute", self)
        try:
            yield self
        finally:
            sa.event.remove(self.engine, "before_cursor_execute", self)
            if self._admin is not None:
                self._admin.dispose()


class Outage:
    """The database is unreachable from ``begin()`` to ``end()``: PostgreSQL refuses new
    connections and ends every session of the database; on SQLite every statement fails
    as locked. ``refused`` counts the SQLite statements turned away."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.on = False
        self.refused = 0
        self._admin = _admin(engine)
        self._name = engine.url.database

    def begin(self) -> None:
        self.on = True
        if self._admin is None:
            return
        with self._admin.connect() as admin:
            admin.exec_driver_sql(f'ALTER DATABASE "{self._name}" ALLOW_CONNECTIONS false')
            admin.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": self._name},
            )

    def end(self) -> None:
        if self.on and self._admin is not None:
            with self._admin.connect() as admin:
                admin.exec_driver_sql(f'ALTER DATABASE "{self._name}" ALLOW_CONNECTIONS true')
        self.on = False

    def __call__(self, *_: Any) -> None:
        if self.on:
            self.refused += 1
            raise _busy()

    @contextlib.contextmanager
    def armed(self) -> Iterator[Outage]:
        """Ready to begin; whatever happens, the database is back afterwards."""
        if self._admin is None:
            sa.event.listen(self.engine, "before_cursor_execute", self)
        try:
            yield self
        finally:
            self.end()
            if self._admin is None:
                sa.event.remove(self.engine, "before_cursor_execute", self)
            else:
                self._admin.dispose()
