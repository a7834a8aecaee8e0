"""Ports for the job queue, error reporting and time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from oolvay.application.dispatch import Dispatch
from oolvay.application.jobs import Job


class JobQueue(Protocol):
    def enqueue(self, job: Job) -> Dispatch:
        """Have ``job`` run: now (inline) or later (a worker). Never raises for a queueing
        failure: that is logged, reported and returned as ``DISPATCH_FAILED``."""
        ...


class ErrorReporter(Protocol):
    def report(
        self,
        error: BaseException,
        *,
        fingerprint: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        contexts: Mapping[str, Mapping[str, object]] | None = None,
    ) -> None:
        """Send ``error`` to the error tracker, grouped by ``fingerprint``. Never raises."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...
