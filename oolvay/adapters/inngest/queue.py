"""InngestJobQueue: a job becomes an event; Inngest decides when a worker runs it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import attrs
import inngest
import structlog

from oolvay.adapters.inngest.events import JobRoute, event_to_json
from oolvay.adapters.inngest.sending import EventSender
from oolvay.application.jobs import Job
from oolvay.application.ports import (
    Clock,
    Dispatch,
    DispatchStatus,
    ErrorReporter,
    FailedDispatch,
    UnitOfWork,
)

QUEUE_NAME = "inngest"

log = structlog.get_logger(__name__)


def describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


@attrs.frozen
class InngestJobQueue:
    """Sends the job's event and returns; never raises for a sending failure.

    A failure is logged, reported to Sentry and recorded as a FailedDispatch, which is not
    sent again automatically: ``oolvay dispatches retry`` does that."""

    send: EventSender
    reporter: ErrorReporter
    uow: UnitOfWork
    clock: Clock
    routes: Mapping[type[Any], JobRoute]

    def enqueue(self, job: Job) -> Dispatch:
        route = self.routes.get(type(job))
        if route is None:
            raise LookupError(f"no Inngest event registered for job {type(job).__name__}")
        event = route.to_event(job)
        try:
            ids = self.send([event])
        except Exception as error:  # noqa: BLE001 - the publish succeeds whatever the SDK raises
            self._failed(job, route, event, error)
            return Dispatch(
                queue=QUEUE_NAME,
                status=DispatchStatus.DISPATCH_FAILED,
                error=describe_error(error),
                reference=event.id,
            )
        return Dispatch(
            queue=QUEUE_NAME,
            status=DispatchStatus.DISPATCHED,
            reference=ids[0] if ids else event.id,
        )

    def _failed(self, job: Job, route: JobRoute, event: inngest.Event, error: Exception) -> None:
        context: dict[str, str] = {
            "action": route.dispatch_name,
            "eventName": event.name,
            "eventId": event.id,
            **job.context(),
        }
        recorded = self._record(job, event, error, context)
        if recorded is not None:
            context["failedDispatchId"] = str(recorded)
        log.error("Failed to enqueue Inngest job", **context, error=describe_error(error))
        self.reporter.report(
            error,
            fingerprint=["inngest", route.dispatch_name],
            tags={"action": route.dispatch_name, **job.context()},
            contexts={"inngest": context},
        )

    def _record(
        self, job: Job, event: inngest.Event, error: Exception, context: Mapping[str, str]
    ) -> uuid.UUID | None:
        failure = FailedDispatch(
            id=uuid.uuid4(),
            queue=QUEUE_NAME,
            job_name=job.name,
            payload=event_to_json(event),
            error=describe_error(error),
            failed_at=self.clock.now(),
            context=dict(context),
        )
        try:
            with self.uow:
                self.uow.failed_dispatches.add(failure)
                self.uow.commit()
        except Exception as record_error:  # noqa: BLE001 - losing the record must not fail the publish
            log.error(
                "Could not record the failed Inngest dispatch",
                **context,
                error=describe_error(error),
                record_error=describe_error(record_error),
            )
            return None
        return failure.id
