"""Inserting many users at once (imports, demos, benchmarks), streaming in chunks."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from oolvay.adapters.sqlalchemy.mapping import user_values
from oolvay.adapters.sqlalchemy.tables import users
from oolvay.domain.users import User

CHUNK_SIZE = 5_000
_COLUMNS = [column.name for column in users.columns]
_COPY_USERS = f"COPY users ({', '.join(_COLUMNS)}) FROM STDIN"


def bulk_insert_users(connection: Connection, new_users: Iterable[User]) -> int:
    """Insert ``new_users`` in the connection's transaction and return how many.

    PostgreSQL: one COPY. SQLite: one executemany per chunk. Memory stays at one chunk, so
    ``new_users`` may be a generator of any length. A duplicate email fails the whole call.
    """
    if connection.dialect.name == "postgresql":
        return _copy_users(connection, new_users)
    inserted = 0
    for chunk in _chunks(new_users, CHUNK_SIZE):
        connection.execute(sa.insert(users), [user_values(user) for user in chunk])
        inserted += len(chunk)
    return inserted


def insert_users(engine: Engine, new_users: Iterable[User]) -> int:
    """``bulk_insert_users`` in a transaction of its own: all of them, or none."""
    with engine.begin() as connection:
        return bulk_insert_users(connection, new_users)


def _copy_users(connection: Connection, new_users: Iterable[User]) -> int:
    raw: Any = connection.connection.driver_connection
    driver_error = connection.dialect.loaded_dbapi.Error
    inserted = 0
    try:
        with raw.cursor() as cursor, cursor.copy(_COPY_USERS) as copy:
            for user in new_users:
                values = user_values(user)
                copy.write_row([values[name] for name in _COLUMNS])
                inserted += 1
    except driver_error as error:
        # The same exceptions as any other statement (IntegrityError for a duplicate).
        raise sa.exc.DBAPIError.instance(_COPY_USERS, None, error, driver_error) from error
    return inserted


def _chunks(items: Iterable[User], size: int) -> Iterator[list[User]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
