"""Inngest workers: each reacts to one event type by running a use case, in durable steps.

A worker is a factory ``(WorkerEnv, *, retries=None) -> inngest.Function``. It is served only
once it is listed in ``registry.WORKERS``.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

import attrs
import inngest

from oolvay.adapters.inngest.events import (
    EventType,
    InvalidEventPayload,
    PostPublished,
    PostPublishedData,
    ReportGenerated,
    ReportGeneratedData,
)
from oolvay.application.jobs import GenerateReport, JobResult, JSONScalar, SendPostNotifications
from oolvay.application.ports import ErrorReporter
from oolvay.application.reports import GenerateReportHandler, ReportNotFound
from oolvay.application.send_post_notifications import (
    BatchReport,
    NotificationCounts,
    SendPostNotificationsHandler,
)
from oolvay.domain.errors import PostNotFound, PostNotPublished, UserNotFound
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.reports import ReportId

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


def send_post_notifications_worker(
    env: WorkerEnv, *, retries: int | None = None
) -> inngest.Function[Any]:
    """``send-post-notifications``: on ``post.published``, email the post's subscribers.

    Every batch is its own step (``batch-1``, ``batch-2``, ...): a retry resumes at the
    batch that failed, and each request from Inngest stays as short as one batch. The run id
    is the claimant of the delivery records, so a retry takes back its own pending claims."""

    def give_up(payload: PostPublishedData, reason: str) -> None:
        notifier = env.handler(SendPostNotifications, SendPostNotificationsHandler)
        notifier.give_up(PostId(payload.post_id), reason=reason)

    @env.client.create_function(
        fn_id="send-post-notifications",
        trigger=PostPublished.type.trigger,
        retries=env.retries(retries),
        on_failure=after_last_retry(
            env,
            "send-post-notifications",
            PostPublished.type,
            subject=lambda payload: {"postId": str(payload.post_id)},
            give_up=give_up,
        ),
    )
    def send_post_notifications(ctx: inngest.ContextSync) -> JobResult:
        post_id = PostId(read_event(PostPublished.type, ctx.event.data).post_id)
        notifier = env.handler(SendPostNotifications, SendPostNotificationsHandler)
        claimant = f"inngest:{ctx.run_id}"

        def check() -> int:
            with _domain_errors_are_final():
                return notifier.start(post_id)

        def send_batch(after: str | None) -> dict[str, JSONScalar]:
            with _domain_errors_are_final():
                batch = notifier.send_batch(post_id, after=_user_id(after), claimant=claimant)
            if batch.retriable:
                raise TransientDeliveryFailure(
                    f"{batch.retriable} of the batch's recipients could not be reached this "
                    "time; the batch will be retried"
                )
            return _batch_to_json(batch)

        counts = NotificationCounts(skipped=ctx.step.run("check-post", check))
        after: str | None = None
        for number in itertools.count(1):
            batch = _batch_from_json(ctx.step.run(f"batch-{number}", send_batch, after))
            counts = counts.add(batch)
            if batch.done:
                break
            after = str(batch.after) if batch.after else None
        return {"status": "completed", "postId": str(post_id), **counts.as_result()}

    return send_post_notifications


def generate_report_worker(env: WorkerEnv, *, retries: int | None = 1) -> inngest.Function[Any]:
    """``generate-report``: on ``report.generated``, build the CSV and email the requester.

    It overrides the application's retry policy (one retry, not
    ``background_jobs.inngest.retries``): the report is cheap to ask for again, and a
    requester waiting on a broken report is better told soon than after a long back-off."""

    def give_up(payload: ReportGeneratedData, reason: str) -> None:
        reports = env.handler(GenerateReport, GenerateReportHandler)
        reports.give_up(ReportId(payload.report_id), reason=reason)

    @env.client.create_function(
        fn_id="generate-report",
        trigger=ReportGenerated.type.trigger,
        retries=env.retries(retries),
        on_failure=after_last_retry(
            env,
            "generate-report",
            ReportGenerated.type,
            subject=lambda payload: {"reportId": str(payload.report_id)},
            give_up=give_up,
        ),
    )
    def generate_report(ctx: inngest.ContextSync) -> JobResult:
        payload = read_event(ReportGenerated.type, ctx.event.data)
        report_id = ReportId(payload.report_id)
        reports = env.handler(GenerateReport, GenerateReportHandler)

        def build() -> int | None:
            with _domain_errors_are_final():
                return reports.build(report_id).row_count

        def notify() -> bool:
            with _domain_errors_are_final():
                return reports.notify(report_id)

        rows = ctx.step.run("build-report", build)
        notified = ctx.step.run("notify-requester", notify)
        return {
            "status": "completed",
            "reportId": str(report_id),
            "rows": rows,
            "notified": notified,
        }

    return generate_report


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
def _domain_errors_are_final() -> Iterator[None]:
    """A post that does not exist or is not published will not become so by retrying."""
    try:
        yield
    except (PostNotFound, PostNotPublished, ReportNotFound, UserNotFound) as error:
        raise inngest.NonRetriableError(str(error)) from error


def _user_id(value: str | None) -> UserId | None:
    return UserId(uuid.UUID(value)) if value else None


def _batch_to_json(batch: BatchReport) -> dict[str, JSONScalar]:
    fields = attrs.asdict(batch)
    fields["after"] = str(batch.after) if batch.after else None
    return fields


def _batch_from_json(data: Mapping[str, Any]) -> BatchReport:
    return BatchReport(**{**data, "after": _user_id(data["after"])})
