"""Integration fixtures. One suite, two databases: a SQLite file in tmp_path, and a
PostgreSQL database created for this test session (dropped at the end) on
OOLVAY_TEST_POSTGRES_URL's server."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from oolvay.adapters.sqlalchemy.engine import (
    create_database_engine,
    create_session_factory,
    parse_database_url,
)
from oolvay.adapters.sqlalchemy.schema import upgrade
from oolvay.adapters.sqlalchemy.tables import metadata
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.application.ports import UnitOfWork
from oolvay.domain.posts import Post
from oolvay.domain.users import User
from tests.builders import AUTHOR, T0
from tests.conftest import record_database

POSTGRES_URL_VARIABLE = "OOLVAY_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VARIABLE = "OOLVAY_REQUIRE_POSTGRES"
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

MakeDatabase = Callable[[], str]
"""Makes an empty database (no migrations) and returns its URL."""


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_POSTGRES_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_POSTGRES_VARIABLE}=1 but {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_server() -> URL:
    """The server's URL after checking it answers (skipped, or failed in CI, otherwise)."""
    raw = os.environ.get(POSTGRES_URL_VARIABLE, "")
    if not raw:
        _postgres_unavailable(
            f"{POSTGRES_URL_VARIABLE} is not set "
            "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    url = parse_database_url(raw)
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.DBAPIError as error:
        shown = url.render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0]
        _postgres_unavailable(f"no PostgreSQL server answers at {shown}: {reason}")
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def make_postgres_database(postgres_server: URL) -> Iterator[MakeDatabase]:
    """Databases named ``oolvay_test_<random>``, so that concurrent runs never collide."""
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make() -> str:
        name = f"oolvay_test_{secrets.token_hex(6)}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return postgres_server.set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as connection:
        for name in created:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _make_sqlite_database(folder: Path) -> MakeDatabase:
    return lambda: f"sqlite:///{folder / f'oolvay-{uuid.uuid4().hex[:8]}.db'}"


@pytest.fixture(params=DATABASES)
def make_database(request: pytest.FixtureRequest, tmp_path: Path) -> MakeDatabase:
    """Per test: a maker of empty databases of one kind (for migration and start-up tests)."""
    if request.param == "sqlite":
        record_database("sqlite")
        return _make_sqlite_database(tmp_path)
    maker: MakeDatabase = request.getfixturevalue("make_postgres_database")
    record_database("postgresql")
    return maker


@pytest.fixture(scope="session", params=DATABASES)
def migrated_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One migrated database per kind for the whole session."""
    if request.param == "sqlite":
        url = _make_sqlite_database(tmp_path_factory.mktemp("db"))()
    else:
        url = request.getfixturevalue("make_postgres_database")()
    engine = create_database_engine(url)
    upgrade(engine)
    record_database(request.param)
    yield engine
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(table.name for table in metadata.sorted_tables)
            connection.exec_driver_sql(f"TRUNCATE {names}")
        else:
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The session's migrated database with every table emptied."""
    empty_tables(migrated_engine)
    return migrated_engine


def a_uow(engine: Engine) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(create_session_factory(engine))


@pytest.fixture
def new_uow(engine: Engine) -> Callable[[], SqlAlchemyUnitOfWork]:
    sessions = create_session_factory(engine)
    return lambda: SqlAlchemyUnitOfWork(sessions)


@pytest.fixture
def uow(new_uow: Callable[[], SqlAlchemyUnitOfWork]) -> SqlAlchemyUnitOfWork:
    return new_uow()


def an_author() -> User:
    """The author of ``tests.builders.a_post`` (posts reference a user)."""
    return User.register(email="editor@example.com", now=T0, id=AUTHOR, is_editor=True)


def given(uow: UnitOfWork, *things: Post | User) -> None:
    with uow:
        for thing in things:
            if isinstance(thing, Post):
                uow.posts.add(thing)
            else:
                uow.users.add(thing)
        uow.commit()


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, *args: object) -> None:
        self.statements.append(str(args[2]))

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def counting_statements(engine: Engine) -> Iterator[StatementCounter]:
    """Counts round trips: each execute or executemany the engine sends to the driver."""
    counter = StatementCounter()
    sa.event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        sa.event.remove(engine, "before_cursor_execute", counter)
