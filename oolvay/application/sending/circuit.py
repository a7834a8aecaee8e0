"""A mail server that is unavailable is waited for once, not once per batch."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from oolvay.application.messages import MailTransportUnavailable
from oolvay.application.ports import Clock


class MailCircuit:
    """Shared by the batches of a process. After the mail server was unavailable (down, not
    greeting, throttling us), every batch waits until ``retry_at`` instead of each paying
    its own connection timeout; each failure in a row doubles the wait (from ``first`` to
    ``longest``), and the server's own hint wins when it is longer."""

    def __init__(
        self,
        clock: Clock,
        *,
        first: timedelta = timedelta(seconds=1),
        longest: timedelta = timedelta(seconds=60),
    ) -> None:
        self._clock = clock
        self._first = first
        self._longest = longest
        self._lock = threading.Lock()
        self._failures = 0
        self._retry_at: datetime | None = None
        self.reason: str | None = None

    def wait(self) -> float:
        """Seconds until the server may be tried again; 0 when it may be tried now."""
        with self._lock:
            if self._retry_at is None:
                return 0.0
            return max(0.0, (self._retry_at - self._clock.now()).total_seconds())

    def failed(self, error: MailTransportUnavailable) -> float:
        """Note a failure; return how long to wait before trying again."""
        with self._lock:
            now = self._clock.now()
            if self._retry_at is not None and now < self._retry_at:
                # Another batch found it unavailable meanwhile: the same outage.
                return (self._retry_at - now).total_seconds()
            self._failures += 1
            backoff = min(self._first * (1 << min(self._failures - 1, 16)), self._longest)
            if error.retry_after is not None:
                backoff = max(backoff, timedelta(seconds=error.retry_after))
            self._retry_at = now + backoff
            self.reason = error.reason
            return backoff.total_seconds()

    def succeeded(self) -> None:
        """The server took a message (or refused it for good): it is there."""
        if self._failures == 0 and self._retry_at is None:
            return  # the usual case, without the lock (a stale read only means one more)
        with self._lock:
            self._failures = 0
            self._retry_at = None
            self.reason = None
