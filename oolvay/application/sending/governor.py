"""The pace of post emails: the configured rates, across every process, and slower for a
while after the mail server throttled us."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs
import structlog

from oolvay.application.ports import Clock, RateLimiter
from oolvay.application.rate_limits import Rate, RateLimit

log = structlog.get_logger(__name__)

RECENT = timedelta(seconds=30)
"""The window this process's own pace is measured over."""
MIN_PACE = 0.1
"""Messages a second: however often throttled, one every ten seconds still goes."""
EPISODE = timedelta(seconds=1)
"""Throttles this close to the last one are the same episode (the server refusing every
connection at once): the pace halves once for them, not once per connection."""


@attrs.frozen
class MailRates:
    """``email.max_messages_per_second`` and the optional caps per minute, hour and day."""

    per_second: float | None = None
    per_minute: int | None = None
    per_hour: int | None = None
    per_day: int | None = None

    def limit(self) -> RateLimit | None:
        """The shared limit, or None when no rate is set (every message goes at once)."""
        rates = []
        if self.per_second is not None:
            # A second's worth at most at once, then evenly: 50/s is one every 20 ms.
            burst = max(1, int(self.per_second))
            rates.append(Rate(burst, timedelta(seconds=burst / self.per_second)))
        for count, per in (
            (self.per_minute, timedelta(minutes=1)),
            (self.per_hour, timedelta(hours=1)),
            (self.per_day, timedelta(days=1)),
        ):
            if count is not None:
                rates.append(Rate(count, per))
        return RateLimit("mail-messages", tuple(rates), what="post emails") if rates else None


class RateDeferred(Exception):
    """The rates leave no room for a while (a daily cap is spent): try again later."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"the sending rate allows no more for {retry_after:.0f}s")
        self.reason = str(self)
        self.retry_after = retry_after


class MailGovernor:
    """Every post email asks it before it goes. The shared limit (the RateLimiter's storage
    is the database or Redis) holds across all processes; a wait longer than ``max_wait``
    (a cap per hour or day) is not slept but raised, for the batch to resume later.

    After the server throttled us, this process sends at half its pace of the last
    ``RECENT`` seconds (or since its first message, when that is sooner), climbing back to
    it evenly over ``cooldown``; a later throttle meanwhile halves the pace it has reached.
    Then it goes back to the configured rates alone."""

    def __init__(
        self,
        limiter: RateLimiter,
        rates: MailRates,
        clock: Clock,
        sleep: Callable[[float], None],
        *,
        max_wait: timedelta = timedelta(seconds=30),
        cooldown: timedelta = timedelta(seconds=60),
    ) -> None:
        self._limiter = limiter
        self._limit = rates.limit()
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait
        self._cooldown = cooldown
        self._lock = threading.Lock()
        self._recent: collections.deque[datetime] = collections.deque()
        self._since: datetime | None = None
        """When the last throttle was; None when not slowed."""
        self._base = self._floor = MIN_PACE
        self._next_slot: datetime | None = None

    def acquire(self) -> None:
        """Wait for this message's turn; RateDeferred when it is too far away."""
        self._paced()
        if self._limit is None:
            return
        while True:
            decision = self._limiter.hit(self._limit, "all")
            if decision.allowed:
                return
            if decision.retry_after > self._max_wait:
                raise RateDeferred(decision.retry_after.total_seconds())
            self._sleep(decision.retry_after.total_seconds())

    def sent(self) -> None:
        now = self._clock.now()
        with self._lock:
            self._recent.append(now)
            while self._recent and self._recent[0] < now - RECENT:
                self._recent.popleft()

    def throttled(self) -> None:
        """The server asked us to slow down: halve this process's pace, then climb back."""
        now = self._clock.now()
        with self._lock:
            if self._since is not None and now - self._since < EPISODE:
                return
            current = self._pace(now)
            if current is None:
                current = self._base = self._measured(now)
            self._floor = max(current / 2, MIN_PACE)
            self._since = now
        log.warning("Mail server throttled us; slowing down", per_second=round(self._floor, 2))

    def _measured(self, now: datetime) -> float:
        recent = [sent for sent in self._recent if sent >= now - RECENT]
        if not recent:
            return MIN_PACE
        span = max(now - recent[0], timedelta(seconds=0.1))
        return max(len(recent) / span.total_seconds(), MIN_PACE)

    def _pace(self, now: datetime) -> float | None:
        """Messages a second this process may send now; None when not slowed."""
        if self._since is None or now - self._since >= self._cooldown:
            self._since = None
            return None
        climbed = (now - self._since) / self._cooldown
        return self._floor + (self._base - self._floor) * climbed

    def _paced(self) -> None:
        with self._lock:
            now = self._clock.now()
            pace = self._pace(now)
            if pace is None:
                self._next_slot = None
                return
            slot = max(now, self._next_slot or now)
            self._next_slot = slot + timedelta(seconds=1 / pace)
        wait = (slot - now).total_seconds()
        if wait > 0:
            self._sleep(wait)
