"""Killing a sending process with SIGKILL at a chosen point of its conversation with a real
SMTP server, and always reaping it.

The sink (aiosmtpd, in the test process) decides the point: it tells the test once the
N-th message has arrived, and holds the sender there while the test kills it. Child
processes come from a fork server that has imported the application once: each trial
costs a fork, not an interpreter start."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Any

import attrs
from aiosmtpd.smtp import SMTP

from tests.integration.email.conftest import LoopbackController, Sink
from tests.integration.faults.child import Doomed

SAFETY = 60.0
"""Seconds before a wait that should end at once gives up and fails the trial."""
PRELOAD = ["oolvay.composition_root", "oolvay.adapters.http.app", "tests.integration.faults.child"]


class KillPoint(enum.Enum):
    BEFORE_REPLY = "message N arrived, its 250 withheld"
    """The sender handed the message over and waits for the answer."""
    BEFORE_NEXT = "message N answered, the next MAIL FROM withheld"
    """The sender heard the answer (and recorded it, or is recording it) and starts the
    next message, maybe in another batch."""
    RUNNING = "message N answered, the sender running on"
    """Killed as soon as the test hears of message N, wherever the sender is by then:
    reading the answer, recording it, sending the next."""


@attrs.frozen
class Kill:
    after: int
    """Messages that must have arrived."""
    point: KillPoint

    def __str__(self) -> str:
        return f"kill after {self.after} ({self.point.name.lower()})"


class KillingSink(Sink):
    """Accepts everything, and when armed, holds the sender at the kill point. Knows how
    many connections are open: a message the dead sender had written into its socket
    may still arrive until the server has closed the connection."""

    def __init__(self) -> None:
        super().__init__()
        self.reached = threading.Event()
        self._released = threading.Event()
        self._kill: Kill | None = None
        self._total = 0
        self._open = 0
        self._sessions = threading.Condition()

    def opened(self) -> None:
        with self._sessions:
            self._open += 1

    def closed(self) -> None:
        with self._sessions:
            self._open -= 1
            self._sessions.notify_all()

    def wait_until_every_connection_closed(self) -> None:
        with self._sessions:
            assert self._sessions.wait_for(lambda: self._open == 0, SAFETY), "a session stays open"

    def arm(self, kill: Kill, *, total: int) -> None:
        """Forget what arrived; stop the sender at ``kill``. ``total`` is the audience: the
        last message is held in any case (batches in parallel may have started every
        message before the N-th arrives), so that no sender finishes before its kill."""
        self.received.clear()
        self.reached.clear()
        self._released.clear()
        self._kill, self._total = kill, total

    def release(self) -> None:
        """Disarm, and let the held handlers answer (into connections that are gone)."""
        self._kill = None
        self._released.set()

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        kill = self._kill
        if kill and kill.point is KillPoint.BEFORE_NEXT and len(self.received) >= kill.after:
            await self._hold()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        kill, arrived = self._kill, len(self.received)
        if kill is None:
            return reply
        if arrived >= self._total or (
            arrived >= kill.after and kill.point is KillPoint.BEFORE_REPLY
        ):
            await self._hold()
        elif arrived >= kill.after and kill.point is KillPoint.RUNNING:
            self.reached.set()
        return reply

    async def _hold(self) -> None:
        self.reached.set()
        await asyncio.to_thread(self._released.wait, SAFETY)


class _TrackedSMTP(SMTP):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.event_handler.opened()

    def connection_lost(self, error: Exception | None) -> None:
        super().connection_lost(error)
        self.event_handler.closed()


class KillingController(LoopbackController):
    """The server of a KillingSink, telling it of every connection opened and closed."""

    def factory(self) -> SMTP:
        return _TrackedSMTP(self.handler, **self.SMTP_kwargs)


@contextlib.contextmanager
def killing_server() -> Iterator[tuple[KillingSink, KillingController]]:
    sink = KillingSink()
    controller = KillingController(sink)
    controller.start()
    try:
        yield sink, controller
    finally:
        sink.release()
        controller.stop()


def fork_server() -> ForkServerContext:
    """The multiprocessing context whose children are forked from a server that imported
    the application once (the server starts at the first child and ends with the tests)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def kill_during(
    context: ForkServerContext,
    target: Callable[[Doomed], None],
    doomed: Doomed,
    sink: KillingSink,
    kill: Kill,
    *,
    total: int,
) -> None:
    """Run ``target`` in a child and SIGKILL it at ``kill``; return once it is reaped and
    the server has closed its connections. The child must die by the signal: finishing or
    failing first fails the trial."""
    sink.arm(kill, total=total)
    process = context.Process(target=target, args=(doomed,), daemon=True)
    try:
        process.start()
        deadline = time.monotonic() + SAFETY
        # The sink's event ends the wait; the time-out only notices a child that ended.
        while not sink.reached.wait(0.05) and process.is_alive():
            assert time.monotonic() < deadline, f"{kill}: the sink never got that far"
        if process.is_alive():
            process.kill()
        process.join(SAFETY)
        sink.wait_until_every_connection_closed()
    finally:
        sink.release()
        if process.is_alive():
            process.kill()
            process.join(SAFETY)
    log = Path(doomed.log).read_text() if Path(doomed.log).exists() else ""
    assert process.exitcode == -signal.SIGKILL, (
        f"{kill}: the child ended with {process.exitcode} before it was killed:\n{log}"
    )
    process.close()
