"""SmtpPool: open SMTP connections kept for the next session, shared by the threads of a
process, so that a batch does not pay for a connection, TLS and login of its own."""

from __future__ import annotations

import smtplib
import threading
import time
from collections.abc import Callable

import structlog

log = structlog.get_logger(__name__)

WAIT_SECONDS = 600.0
"""The longest a session waits for a connection when all are in use."""


class PoolTimeout(Exception):
    """No connection came free in time."""


class SmtpPool:
    """At most ``max_connections`` connections, open or in use. A session takes one (an
    idle one if there is any, checked with NOOP first; else a new one; else it waits),
    and gives it back healthy or discards it broken. Connections idle for
    ``idle_seconds`` are closed (0: closed as soon as they are given back).

    Thread-safe: every count and list is changed under one lock; connecting, NOOP and
    QUIT happen outside it."""

    def __init__(
        self,
        connect: Callable[[], smtplib.SMTP],
        *,
        max_connections: int = 8,
        idle_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_connections < 1:
            raise ValueError("a pool needs room for at least one connection")
        self._connect = connect
        self.max_connections = max_connections
        self.idle_seconds = idle_seconds
        self._monotonic = monotonic
        self._cond = threading.Condition()
        self._idle: list[tuple[smtplib.SMTP, float]] = []
        self._in_use = 0
        self._reaper: threading.Thread | None = None
        self._closed = False
        self.opened = 0
        """Connections opened in all (for logs, tests and benchmarks)."""

    @property
    def idle(self) -> int:
        with self._cond:
            return len(self._idle)

    @property
    def in_use(self) -> int:
        with self._cond:
            return self._in_use

    def take(self, *, wait: float = WAIT_SECONDS) -> smtplib.SMTP:
        """A connection for the caller alone. Raises what connecting raises (OSError,
        SMTPException), or PoolTimeout."""
        deadline = self._monotonic() + wait
        while True:
            reused, stale = self._reserve(deadline)
            _quit_all(stale)
            if reused is None:
                return self._open()
            if _answers(reused):
                return reused
            # Dropped by the server while idle: not the session's fault, try again.
            reused.close()
            self._free_slot()

    def give_back(self, smtp: smtplib.SMTP) -> None:
        """Keep a healthy connection for the next session (or close it, with
        ``idle_seconds=0`` or once the pool is closed)."""
        with self._cond:
            self._in_use -= 1
            keep = self.idle_seconds > 0 and not self._closed
            if keep:
                self._idle.append((smtp, self._monotonic()))
                self._start_reaper()
            self._cond.notify_all()
        if not keep:
            _quit_all([smtp])

    def discard(self, smtp: smtplib.SMTP) -> None:
        """Close a broken connection and free its place."""
        smtp.close()
        self._free_slot()

    def close_idle(self) -> int:
        """Close the connections idle for ``idle_seconds`` or more; how many."""
        with self._cond:
            expired = self._expired(self._monotonic())
        _quit_all(expired)
        return len(expired)

    def close(self) -> None:
        """Close every idle connection now, and the others when they are given back."""
        with self._cond:
            self._closed = True
            idle, self._idle = [smtp for smtp, _ in self._idle], []
            self._cond.notify_all()
        _quit_all(idle)

    def _reserve(self, deadline: float) -> tuple[smtplib.SMTP | None, list[smtplib.SMTP]]:
        """Under the lock: an idle connection, or a free place for a new one (None)."""
        stale: list[smtplib.SMTP] = []
        with self._cond:
            while True:
                stale += self._expired(self._monotonic())
                if self._idle:
                    self._in_use += 1
                    # The most recently used: the likeliest to be still open.
                    return self._idle.pop()[0], stale
                if self._in_use < self.max_connections:
                    self._in_use += 1
                    return None, stale
                left = deadline - self._monotonic()
                if left <= 0:
                    raise PoolTimeout(
                        f"all {self.max_connections} SMTP connections stayed busy for "
                        f"{WAIT_SECONDS:.0f} s"
                    )
                self._cond.wait(left)

    def _open(self) -> smtplib.SMTP:
        try:
            smtp = self._connect()
        except BaseException:
            self._free_slot()
            raise
        with self._cond:
            self.opened += 1
        log.debug("SMTP connection opened", opened=self.opened)
        return smtp

    def _free_slot(self) -> None:
        with self._cond:
            self._in_use -= 1
            self._cond.notify_all()

    def _expired(self, now: float) -> list[smtplib.SMTP]:
        """Under the lock: remove and return the connections idle too long."""
        expired = [smtp for smtp, since in self._idle if now - since >= self.idle_seconds]
        if expired:
            self._idle = [(smtp, since) for smtp, since in self._idle if smtp not in expired]
        return expired

    def _start_reaper(self) -> None:
        """Under the lock: one daemon thread closes idle connections while there are any."""
        if self._reaper is None or not self._reaper.is_alive():
            self._reaper = threading.Thread(target=self._reap, name="smtp-pool-reaper", daemon=True)
            self._reaper.start()

    def _reap(self) -> None:
        while True:
            with self._cond:
                if not self._idle or self._closed:
                    self._reaper = None
                    return
                oldest = min(since for _, since in self._idle)
                left = oldest + self.idle_seconds - self._monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                expired = self._expired(self._monotonic())
            _quit_all(expired)


def _answers(smtp: smtplib.SMTP) -> bool:
    try:
        return smtp.noop()[0] == 250
    except (OSError, smtplib.SMTPException):
        return False


def _quit_all(connections: list[smtplib.SMTP]) -> None:
    for smtp in connections:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
