"""Where the GCRA state lives: a table of the service's database, or Redis."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
import sqlalchemy as sa
from pyrate_limiter import RedisStateStore, StateAlgorithm, StateStore
from pyrate_limiter.abstracts.algorithm import Decision
from pyrate_limiter.abstracts.rate import Rate
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from oolvay.adapters.sqlalchemy.tables import rate_limits
from oolvay.application.ports import Clock

PRUNE_EVERY = timedelta(minutes=10)


def _insert(connection: Connection) -> postgresql.Insert | sqlite.Insert:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(rate_limits)
    return sqlite.insert(rate_limits)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class DatabaseStateStore(StateStore):
    """One row of ``rate_limits`` per key: read, stepped and written in one transaction.

    The row is inserted (if new) before it is read, so that the transaction holds the
    write lock first (SQLite) or the row lock (PostgreSQL, ``FOR UPDATE``): two processes
    checking the same key take turns, and neither spends what the other saw."""

    is_async = False

    def __init__(self, engine: Engine, key: str, ttl_ms: int) -> None:
        self._engine = engine
        self._key = key
        self._ttl_ms = ttl_ms

    def check(
        self, algorithm: StateAlgorithm, rates: list[Rate], now: int, weight: int
    ) -> Decision:
        expires_at = _at(now + self._ttl_ms)
        with self._engine.begin() as connection:
            connection.execute(
                _insert(connection)
                .values(
                    key=self._key, state=_encode(algorithm.initial(rates)), expires_at=expires_at
                )
                .on_conflict_do_nothing(index_elements=[rate_limits.c.key])
            )
            stored = connection.execute(
                sa.select(rate_limits.c.state)
                .where(rate_limits.c.key == self._key)
                .with_for_update()
            ).scalar_one_or_none()
            # None: another process pruned the row (expired) in between; it starts afresh.
            state = (
                algorithm.initial(rates) if stored is None else _decode(algorithm, rates, stored)
            )
            new_state, decision = algorithm.step(rates, state, now, weight)
            if decision.allowed:
                values = {"state": _encode(new_state), "expires_at": expires_at}
                connection.execute(
                    _insert(connection)
                    .values(key=self._key, **values)
                    .on_conflict_do_update(index_elements=[rate_limits.c.key], set_=values)
                )
        return decision

    def read(self, algorithm: StateAlgorithm, rates: list[Rate]) -> tuple[float, ...]:
        with self._engine.connect() as connection:
            stored = connection.execute(
                sa.select(rate_limits.c.state).where(rate_limits.c.key == self._key)
            ).scalar_one_or_none()
        return algorithm.initial(rates) if stored is None else _decode(algorithm, rates, stored)

    def reset(self) -> None:
        with self._engine.begin() as connection:
            connection.execute(sa.delete(rate_limits).where(rate_limits.c.key == self._key))


def _encode(state: tuple[float, ...]) -> str:
    return ",".join(f"{value:.0f}" for value in state)


def _decode(algorithm: StateAlgorithm, rates: list[Rate], stored: str) -> tuple[float, ...]:
    values = stored.split(",") if stored else []
    # A limit whose rates changed since the row was written starts afresh.
    return algorithm.decode(values) if len(values) == len(rates) else algorithm.initial(rates)


class DatabaseRateLimitStorage:
    """State in the service's database (SQLite or PostgreSQL, from DATABASE_URL).

    Rows past their expiry are deleted now and then, by whichever process notices."""

    name = "database"

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        self._last_prune: datetime | None = None

    def store(self, key: str, *, ttl_ms: int) -> StateStore:
        self._prune_now_and_then()
        return DatabaseStateStore(self._engine, key, ttl_ms)

    def prune(self, now: datetime) -> int:
        with self._engine.begin() as connection:
            result: Any = connection.execute(
                sa.delete(rate_limits).where(rate_limits.c.expires_at < now)
            )
            return int(result.rowcount)

    def _prune_now_and_then(self) -> None:
        now = self._clock.now()
        with self._lock:
            due = self._last_prune is None or now - self._last_prune >= PRUNE_EVERY
            if due:
                self._last_prune = now
        if due:
            self.prune(now)


class RedisRateLimitStorage:
    """State in Redis (REDIS_URL): pyrate-limiter's own store, a hash per key that
    expires by itself."""

    name = "redis"

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    @classmethod
    def from_url(cls, url: str) -> RedisRateLimitStorage:
        # Short timeouts: a sign-in must not hang on an unreachable Redis.
        return cls(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2))

    def store(self, key: str, *, ttl_ms: int) -> StateStore:
        return RedisStateStore(self._client, f"oolvay:rate-limit:{key}", ttl_ms=ttl_ms)
