"""Sending events within a time budget, whatever the event API does."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, wait

import attrs
import inngest
import structlog

log = structlog.get_logger(__name__)

EventSender = Callable[[list[inngest.Event]], Sequence[str]]
"""Sends events and returns their ids; raises on failure (``Inngest.send_sync`` fits)."""


class EventSendTimeout(TimeoutError):
    """The event API did not accept the events within the dispatch budget."""


class EventApiBadResponse(Exception):
    """The event API answered with something that is not its JSON (a proxy's error page)."""


@attrs.frozen
class DeadlineEventSender:
    """Wraps a sender so that no call holds the caller longer than ``budget`` seconds.

    The SDK retries a send up to five times with a back-off, each attempt bounded only by
    the client's ``request_timeout``, so a hung endpoint could hold the caller for minutes.
    The send runs on ``executor``; the caller waits at most ``budget``. An attempt still
    running at the deadline finishes in the background (each attempt is itself bounded by
    ``request_timeout``) and its outcome is ignored: the caller records the dispatch as
    failed, and a later re-send reuses the event id, so Inngest drops the duplicate if that
    attempt got through after all."""

    send: EventSender
    budget: float
    executor: Executor

    def __call__(self, events: list[inngest.Event]) -> Sequence[str]:
        future = self.executor.submit(self.send, events)
        done, _ = wait([future], timeout=self.budget)
        if not done:
            if not future.cancel():
                future.add_done_callback(_log_late_outcome)
            raise EventSendTimeout(
                f"the Inngest event API did not accept the event within {self.budget:g}s"
            )
        try:
            return future.result()
        except json.JSONDecodeError as error:
            raise EventApiBadResponse(
                f"the Inngest event API answered with a body that is not JSON ({error})"
            ) from error


def _log_late_outcome(future: Future[Sequence[str]]) -> None:
    """Say how a send the caller stopped waiting for ended: the cause a timeout hides."""
    error = future.exception()
    if error is None:
        log.warning("An Inngest send got through after the dispatch budget", ids=future.result())
    else:
        log.warning(
            "An Inngest send abandoned at the dispatch budget failed",
            error=f"{type(error).__name__}: {error}",
        )
