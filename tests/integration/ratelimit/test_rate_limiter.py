"""The RateLimiter adapter on real storage: the database (SQLite, PostgreSQL) and Redis."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from oolvay.adapters.ratelimit.limiter import PyrateRateLimiter, RateLimitStorage
from oolvay.adapters.ratelimit.storage import DatabaseRateLimitStorage, RedisRateLimitStorage
from oolvay.adapters.sqlalchemy.engine import create_database_engine
from oolvay.adapters.sqlalchemy.schema import upgrade
from oolvay.adapters.sqlalchemy.tables import rate_limits
from oolvay.application.rate_limits import Rate, RateLimit
from tests.conftest import record_database
from tests.fakes import FakeClock, FakeErrorReporter

REDIS_URL = os.environ.get("OOLVAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
STORAGES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres), "redis"]

MakeStorage = Callable[[], RateLimitStorage]
"""A new storage (its own connections, as another process would have) on the same data."""


def a_limit(limit: int = 3, per: timedelta = timedelta(minutes=1)) -> RateLimit:
    # A fresh name per test: Redis is shared with whatever else runs on it.
    return RateLimit(f"test-{secrets.token_hex(4)}", (Rate(limit, per),))


@pytest.fixture(scope="session")
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis tests skipped: nothing answers at {REDIS_URL} ({error})")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(params=STORAGES)
def make_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStorage]:
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        yield lambda: RedisRateLimitStorage.from_url(url)
        return
    if request.param == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'rate-limits.db'}"
    else:
        database_url = request.getfixturevalue("make_postgres_database")()
    record_database(request.param)
    engines = [create_database_engine(database_url)]
    upgrade(engines[0])

    def make() -> RateLimitStorage:
        engines.append(create_database_engine(database_url))
        return DatabaseRateLimitStorage(engines[-1], FakeClock())

    yield make
    for each in engines:
        each.dispose()


def limiter(storage: RateLimitStorage, clock: FakeClock) -> PyrateRateLimiter:
    return PyrateRateLimiter(storage, clock, FakeErrorReporter())


def test_a_burst_up_to_the_limit_passes_then_one_more_every_period_over_limit(
    make_storage: MakeStorage,
) -> None:
    clock = FakeClock()
    limit = a_limit(limit=3, per=timedelta(minutes=1))
    rate_limiter = limiter(make_storage(), clock)

    burst = [rate_limiter.hit(limit, "client").allowed for _ in range(3)]
    refused = rate_limiter.hit(limit, "client")
    clock.advance(seconds=20)
    next_one = rate_limiter.hit(limit, "client")
    again = rate_limiter.hit(limit, "client")

    assert burst == [True, True, True]
    assert not refused.allowed
    assert refused.retry_after == timedelta(seconds=20)
    assert next_one.allowed
    assert not again.allowed


def test_keys_and_limits_are_counted_apart(make_storage: MakeStorage) -> None:
    clock = FakeClock()
    first, second = a_limit(limit=1), a_limit(limit=1)
    rate_limiter = limiter(make_storage(), clock)

    assert rate_limiter.hit(first, "a").allowed
    assert not rate_limiter.hit(first, "a").allowed
    assert rate_limiter.hit(first, "b").allowed
    assert rate_limiter.hit(second, "a").allowed


def test_every_rate_of_a_limit_applies(make_storage: MakeStorage) -> None:
    clock = FakeClock()
    limit = RateLimit(
        f"test-{secrets.token_hex(4)}",
        (Rate(2, timedelta(seconds=1)), Rate(3, timedelta(hours=1))),
    )
    rate_limiter = limiter(make_storage(), clock)

    allowed = []
    for _ in range(5):
        allowed.append(rate_limiter.hit(limit, "k").allowed)
        clock.advance(seconds=1)

    assert allowed == [True, True, True, False, False]


def test_the_state_is_shared_by_separate_limiters(make_storage: MakeStorage) -> None:
    clock = FakeClock()
    limit = a_limit(limit=2)
    one, other = limiter(make_storage(), clock), limiter(make_storage(), clock)

    assert one.hit(limit, "k").allowed
    assert other.hit(limit, "k").allowed
    assert not one.hit(limit, "k").allowed
    assert not other.hit(limit, "k").allowed


def test_concurrent_hits_never_pass_more_than_the_limit(make_storage: MakeStorage) -> None:
    clock = FakeClock()
    limit = a_limit(limit=5)
    limiters = [limiter(make_storage(), clock) for _ in range(4)]
    start = threading.Barrier(len(limiters))
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer(each: PyrateRateLimiter) -> None:
        start.wait()
        for _ in range(5):
            decision = each.hit(limit, "k")
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=hammer, args=(each,)) for each in limiters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(allowed) == 20
    assert allowed.count(True) == 5


@pytest.mark.parametrize(
    "storage", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_database_keeps_a_digest_of_the_key_and_prunes_old_rows(
    engine: Engine, storage: str
) -> None:
    clock = FakeClock()
    database = DatabaseRateLimitStorage(engine, clock)
    limiter(database, clock).hit(a_limit(per=timedelta(seconds=1)), "editor@example.com")

    with engine.connect() as connection:
        keys = connection.execute(sa.select(rate_limits.c.key)).scalars().all()
    pruned = database.prune(clock.now() + timedelta(minutes=1))

    assert len(keys) == 1
    assert "editor@example.com" not in keys[0]
    assert pruned == 1


def test_a_storage_that_fails_lets_the_event_through_and_reports_it() -> None:
    reporter = FakeErrorReporter()
    unreachable = RedisRateLimitStorage.from_url("redis://127.0.0.1:1/0")
    rate_limiter = PyrateRateLimiter(unreachable, FakeClock(), reporter)

    decision = rate_limiter.hit(a_limit(), "k")

    assert decision.allowed
    assert [report.fingerprint for report in reporter.reports] == [("rate-limiter", "redis")]
