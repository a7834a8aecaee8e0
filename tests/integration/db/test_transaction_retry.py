"""TransientErrorRetry against real database errors: a lock runs the transaction again, a
broken constraint or bad SQL does not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from oolvay.adapters.sqlalchemy.retry import TransientErrorRetry, is_transient
from oolvay.adapters.sqlalchemy.tables import users
from tests.integration.conftest import a_uow, an_author, given

RETRY = TransientErrorRetry(attempts=3, first_wait=0.001, max_wait=0.005)


@contextmanager
def locked_users(engine: Engine) -> Iterator[Callable[[], None]]:
    """Another session holds the users table's rows (SQLite: the write lock); yields a
    function that lets go."""
    holder = engine.connect()
    transaction = holder.begin()
    if engine.dialect.name == "sqlite":
        holder.exec_driver_sql("UPDATE users SET active = active")  # takes the write lock
    else:
        holder.execute(sa.select(users).with_for_update())
    try:
        yield transaction.rollback
    finally:
        if transaction.is_active:
            transaction.rollback()
        holder.close()


def impatient(engine: Engine) -> Engine:
    """The same database, giving up on a lock at once (a real lock error, quickly)."""
    if engine.dialect.name == "sqlite":
        return sa.create_engine(engine.url, connect_args={"timeout": 0.01})
    return sa.create_engine(engine.url, connect_args={"options": "-c lock_timeout=10ms"})


def test_a_lock_held_elsewhere_runs_the_transaction_again(engine: Engine) -> None:
    given_a_user(engine)
    writer = impatient(engine)
    attempts: list[int] = []
    with locked_users(engine) as release:

        def transaction() -> int:
            attempts.append(len(attempts) + 1)
            if len(attempts) == 2:
                release()
            with writer.begin() as connection:
                return update_users(connection)

        assert RETRY(transaction) == 1
    assert attempts == [1, 2]
    writer.dispose()


def test_a_lock_that_outlasts_the_attempts_raises_the_last_error(engine: Engine) -> None:
    given_a_user(engine)
    writer = impatient(engine)
    attempts: list[int] = []
    with locked_users(engine):

        def transaction() -> int:
            attempts.append(1)
            with writer.begin() as connection:
                return update_users(connection)

        with pytest.raises(sa.exc.OperationalError) as raised:
            RETRY(transaction)
    assert len(attempts) == RETRY.attempts
    assert is_transient(raised.value)
    writer.dispose()


def test_a_broken_constraint_is_raised_at_once(engine: Engine) -> None:
    given_a_user(engine)
    attempts: list[int] = []

    def transaction() -> None:
        attempts.append(1)
        given_a_user(engine)  # the same id again

    with pytest.raises(sa.exc.IntegrityError):
        RETRY(transaction)
    assert attempts == [1]


def test_bad_sql_is_raised_at_once(engine: Engine) -> None:
    attempts: list[int] = []

    def transaction() -> None:
        attempts.append(1)
        with engine.begin() as connection:
            connection.exec_driver_sql("SELECT * FROM no_such_table")

    with pytest.raises(sa.exc.DBAPIError):
        RETRY(transaction)
    assert attempts == [1]


def given_a_user(engine: Engine) -> None:
    given(a_uow(engine), an_author())


def update_users(connection: Connection) -> int:
    return connection.execute(sa.update(users).values(active=True)).rowcount
