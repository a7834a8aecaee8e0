"""What the Inngest workers share: how they are built, read their events, and give up.

A worker is a factory ``(WorkerEnv, *, retries=None) -> inngest.Function``. It is served only
once it is listed in ``registry.WORKERS``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import attrs
import inngest

from oolvay.adapters.inngest.events import EventType, InvalidEventPayload
from oolvay.application.ports import ErrorReporter
from oolvay.application.sending.batch import SendBatch
from oolvay.application.sending.plan import PlanSend
from oolvay.domain.errors import NotFound, PostNotPublished

P = TypeVar("P")
R = TypeVar("R")


@attrs.frozen
class WorkerEnv:
    """What every worker is built from."""

    client: inngest.Inngest
    default_retries: int
    """``background_jobs.inngest.retries``: for workers that follow the application's policy."""
    handlers: Callable[[], Mapping[type[Any], Any]]
    """Builds the job handlers (fresh, per invocation), keyed by job type."""
    reporter: ErrorReporter
    plan_send: Callable[[], PlanSend]
    send_batch: Callable[[], SendBatch]
    concurrency: int
    """Batches sent at once, across every worker of the environment (one mail transport)."""
    throttle: inngest.Throttle | None = None
    """Batch starts per period, from ``email.max_messages_per_second``."""

    def retries(self, override: int | None) -> int:
        return self.default_retries if override is None else override

    def handler(self, job_type: type[Any], kind: type[R]) -> R:
        handler = self.handlers()[job_type]
        if not isinstance(handler, kind):
            raise TypeError(f"the handler for {job_type.__name__} is not a {kind.__name__}")
        return handler


class TransientDeliveryFailure(Exception):
    """Some recipients of a batch could not be reached this time; the step is retried."""


def read_event_or_none(event_type: EventType[P], data: Mapping[str, Any]) -> P | None:
    """The payload, or None when the data does not fit (an on_failure must still report)."""
    try:
        return event_type.read(data)
    except InvalidEventPayload:
        return None


def read_event(event_type: EventType[P], data: Mapping[str, Any]) -> P:
    """The event's payload, or NonRetriableError: a malformed event never becomes valid."""
    try:
        return event_type.read(data)
    except InvalidEventPayload as error:
        raise inngest.NonRetriableError(str(error)) from error


def after_last_retry(
    env: WorkerEnv,
    worker: str,
    event_type: EventType[P],
    *,
    subject: Callable[[P], Mapping[str, str]],
    give_up: Callable[[P, str], None],
) -> Callable[[inngest.ContextSync], None]:
    """A worker's ``on_failure``: report the run that gave up to Sentry, then let the job
    leave its records in a final state (``give_up`` gets the payload and the reason)."""

    def on_failure(ctx: inngest.ContextSync) -> None:
        failure = FunctionFailure.read(ctx.event.data)
        payload = read_event_or_none(event_type, failure.event_data)
        failure.report(env.reporter, worker, subject(payload) if payload is not None else {})
        if payload is not None:
            give_up(payload, f"{worker} gave up: {failure.message}")

    return on_failure


class WorkerGaveUp(Exception):
    """A worker failed after its last retry."""


@attrs.frozen
class FunctionFailure:
    """The data of the ``inngest/function.failed`` event an ``on_failure`` handler gets."""

    message: str
    event_data: Mapping[str, Any]
    function_id: str | None
    run_id: str | None

    def report(self, reporter: ErrorReporter, worker: str, subject: Mapping[str, str]) -> None:
        """One Sentry event per run that gave up, grouped by worker."""
        reporter.report(
            WorkerGaveUp(f"{worker} gave up: {self.message}"),
            fingerprint=["inngest", worker, "failed"],
            tags={"action": worker, **subject},
            contexts={
                "inngest": {
                    "functionId": self.function_id,
                    "runId": self.run_id,
                    "error": self.message,
                    **subject,
                }
            },
        )

    @classmethod
    def read(cls, data: Mapping[str, Any]) -> FunctionFailure:
        error = data.get("error")
        message = error.get("message") if isinstance(error, Mapping) else None
        original = data.get("event")
        event_data = original.get("data") if isinstance(original, Mapping) else None
        function_id, run_id = data.get("function_id"), data.get("run_id")
        return cls(
            message=str(message or "unknown error"),
            event_data=event_data if isinstance(event_data, Mapping) else {},
            function_id=function_id if isinstance(function_id, str) else None,
            run_id=run_id if isinstance(run_id, str) else None,
        )


@contextlib.contextmanager
def domain_errors_are_final() -> Iterator[None]:
    """A post that does not exist or is not published will not become so by retrying."""
    try:
        yield
    except (NotFound, PostNotPublished) as error:
        raise inngest.NonRetriableError(str(error)) from error
