"""PyrateRateLimiter: pyrate-limiter's GCRA over a state store shared by every process."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from math import ceil
from typing import Protocol

import structlog
from pyrate_limiter import GCRA, AbstractClock, Decision, Rate, RateItem, StateBucket, StateStore

from oolvay.application.ports import Clock, ErrorReporter
from oolvay.application.rate_limits import RateDecision, RateLimit

log = structlog.get_logger(__name__)


class RateLimitStorage(Protocol):
    name: str

    def store(self, key: str, *, ttl_ms: int) -> StateStore:
        """The state store of one (limit, key), kept at least ``ttl_ms`` after its last use."""
        ...


class _PortClock(AbstractClock):
    """pyrate-limiter's clock from ours: wall-clock milliseconds, the same in every process
    (a monotonic clock would mean nothing to another process reading the state)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> int:
        return int(self._clock.now().timestamp() * 1000)


def storage_key(limit: RateLimit, key: str) -> str:
    """The limit's name and a digest of the key: no email or address is stored as such."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"{limit.name}:{digest}"


def pyrate_rates(limit: RateLimit) -> list[Rate]:
    return [Rate(rate.limit, ceil(rate.per.total_seconds() * 1000)) for rate in limit.rates]


def ttl_ms(rates: list[Rate]) -> int:
    """How long a key's state matters: until its bucket has drained, twice over (as
    pyrate-limiter's Redis store reckons it)."""
    return max(ceil(2 * rate.burst * rate.interval / rate.limit) for rate in rates)


class PyrateRateLimiter:
    """Implements the RateLimiter port. A storage failure lets the event through (logged
    and reported): a rate limiter that is down must not lock every editor out."""

    def __init__(self, storage: RateLimitStorage, clock: Clock, reporter: ErrorReporter) -> None:
        self._storage = storage
        self._clock = _PortClock(clock)
        self._reporter = reporter

    def hit(self, limit: RateLimit, key: str) -> RateDecision:
        rates = pyrate_rates(limit)
        store = self._storage.store(storage_key(limit, key), ttl_ms=ttl_ms(rates))
        bucket = StateBucket(rates, algorithm=GCRA(), store=store, clock=self._clock)
        item = RateItem(limit.name, self._clock.now())
        try:
            decision = bucket.put_decision(item)
        except Exception as error:  # noqa: BLE001 - any storage failure: allow, log, report
            log.error(
                "Rate limiter storage failed; allowing",
                limit=limit.name,
                storage=self._storage.name,
                error=repr(error),
            )
            self._reporter.report(error, fingerprint=["rate-limiter", self._storage.name])
            return RateDecision(allowed=True)
        if not isinstance(decision, Decision):
            raise TypeError("rate limit storage must be synchronous")
        if decision.allowed:
            return RateDecision(allowed=True)
        wait_ms = decision.retry_after_ms if decision.retry_after_ms is not None else 1000
        return RateDecision(allowed=False, retry_after=timedelta(milliseconds=wait_ms))
