"""The contract suite's stores: the fake unit of work, and both real databases."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine

from oolvay.adapters.sqlalchemy.engine import create_database_engine, create_session_factory
from oolvay.adapters.sqlalchemy.schema import upgrade
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.application.ports import UnitOfWork
from tests.conftest import record_database
from tests.fakes import FakeUnitOfWork
from tests.integration.conftest import MakeDatabase, empty_tables

NewUow = Callable[[], UnitOfWork]


def _migrated(url: str) -> Engine:
    engine = create_database_engine(url, pool_size=8)
    upgrade(engine)
    return engine


@pytest.fixture(scope="session")
def contract_sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = _migrated(f"sqlite:///{tmp_path_factory.mktemp('contract') / 'contract.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def contract_postgresql_engine(make_postgres_database: MakeDatabase) -> Iterator[Engine]:
    engine = _migrated(make_postgres_database())
    yield engine
    engine.dispose()


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_uow(request: pytest.FixtureRequest) -> NewUow:
    """Makes units of work on one store, emptied for the test."""
    if request.param == "fake":
        fake = FakeUnitOfWork()
        return lambda: fake
    engine: Engine = request.getfixturevalue(f"contract_{request.param}_engine")
    empty_tables(engine)
    record_database(request.param)
    sessions = create_session_factory(engine)
    return lambda: SqlAlchemyUnitOfWork(sessions)
