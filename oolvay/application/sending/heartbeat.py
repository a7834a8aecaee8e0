"""One thread per process renews the leases its batch runs hold."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

import attrs
import structlog

from oolvay.application.ports import Clock, TransactionRetry, UnitOfWork

log = structlog.get_logger(__name__)


@attrs.define
class HeldLease:
    id: str
    lost: bool = False
    """Another run took the lease over (this one was presumed dead): stop sending."""


class Heartbeats:
    """Renews every lease held in this process every ``interval`` seconds, from one thread
    that runs only while a lease is held. A run blocked in a slow SMTP reply keeps its
    claim; a run that died stops renewing, and its recipients are taken over."""

    def __init__(
        self,
        new_uow: Callable[[], UnitOfWork],
        clock: Clock,
        interval: float,
        retry: TransactionRetry,
    ) -> None:
        self._new_uow = new_uow
        self._clock = clock
        self._interval = interval
        self._retry = retry
        self._held: dict[str, HeldLease] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        """Set when the last lease is given back: the thread ends at once, not a beat later."""

    @contextlib.contextmanager
    def hold(self, lease_id: str) -> Iterator[HeldLease]:
        held = HeldLease(lease_id)
        with self._lock:
            self._held[lease_id] = held
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="lease-heartbeat", daemon=True
                )
                self._thread.start()
        try:
            yield held
        finally:
            with self._lock:
                self._held.pop(lease_id, None)
                if not self._held:
                    self._idle.set()

    def beat(self) -> None:
        """Renew every held lease once; mark those that were taken over as lost."""
        with self._lock:
            held = list(self._held.values())
        if not held:
            return

        def renew() -> set[str]:
            uow = self._new_uow()
            with uow:
                gone = uow.deliveries.renew([h.id for h in held], now=self._clock.now())
                uow.commit()
            return gone

        gone = self._retry(renew)
        for lease in held:
            if lease.id in gone:
                lease.lost = True

    def _run(self) -> None:
        while True:
            self._idle.wait(self._interval)
            with self._lock:
                if not self._held:
                    self._thread = None
                    return
            try:
                self.beat()
            except Exception as error:  # noqa: BLE001 - the next beat tries again
                log.warning("Could not renew the send leases", error=repr(error))
