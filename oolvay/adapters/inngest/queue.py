"""InngestJobQueue: a job becomes an event; Inngest decides when a worker runs it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import inngest
import structlog

from oolvay.adapters.inngest.events import PostPublished
from oolvay.application.jobs import Job, SendPostNotifications
from oolvay.application.ports import Dispatch, DispatchStatus, ErrorReporter

QUEUE_NAME = "inngest"

EventSender = Callable[[list[inngest.Event]], Sequence[str]]
"""Sends events and returns their ids; raises on failure (``Inngest.send_sync`` fits)."""

log = structlog.get_logger(__name__)


@attrs.frozen
class JobRoute:
    """How one kind of job travels: the event it becomes and the name its dispatch
    failures are grouped under in Sentry."""

    to_event: Callable[[Any], inngest.Event]
    dispatch_name: str


ROUTES: Mapping[type[Any], JobRoute] = {
    SendPostNotifications: JobRoute(
        to_event=lambda job: PostPublished.create(post_id=job.post_id, reason=job.reason),
        dispatch_name="dispatchPostNotification",
    ),
}


@attrs.frozen
class InngestJobQueue:
    send: EventSender
    reporter: ErrorReporter
    routes: Mapping[type[Any], JobRoute] = ROUTES

    def enqueue(self, job: Job) -> Dispatch:
        route = self.routes.get(type(job))
        if route is None:
            raise LookupError(f"no Inngest event registered for job {type(job).__name__}")
        event = route.to_event(job)
        context = {"eventName": event.name, "eventId": event.id, **job.context()}
        try:
            ids = self.send([event])
        except Exception as error:  # noqa: BLE001 - the publish succeeds whatever the SDK raises
            log.error("Failed to enqueue Inngest job", **context, error=repr(error))
            self.reporter.report(
                error,
                fingerprint=["inngest", route.dispatch_name],
                tags={"action": route.dispatch_name, **job.context()},
                contexts={"inngest": context},
            )
            return Dispatch(
                queue=QUEUE_NAME,
                status=DispatchStatus.DISPATCH_FAILED,
                error=str(error) or type(error).__name__,
                reference=event.id,
            )
        return Dispatch(
            queue=QUEUE_NAME,
            status=DispatchStatus.DISPATCHED,
            reference=ids[0] if ids else event.id,
        )
