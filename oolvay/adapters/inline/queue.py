"""InlineJobQueue: runs a job's handler now, in the request that enqueued it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import structlog

from oolvay.application.jobs import Job, JobHandler
from oolvay.application.ports import Dispatch, DispatchStatus, ErrorReporter

QUEUE_NAME = "inline"

log = structlog.get_logger(__name__)


@attrs.frozen
class InlineJobQueue:
    """Runs jobs synchronously. The handler table comes from the composition root.

    A handler that raises does not fail the caller: the error is logged, reported and
    returned as a FAILED dispatch; what it left behind (delivery records) shows the rest.
    """

    handlers: Mapping[type[Any], JobHandler[Any]]
    reporter: ErrorReporter

    def enqueue(self, job: Job) -> Dispatch:
        handler = self.handlers.get(type(job))
        if handler is None:
            raise LookupError(f"no inline handler registered for job {type(job).__name__}")
        context = job.context()
        try:
            result = handler(job)
        except Exception as error:  # noqa: BLE001 - any handler failure is reported, not raised
            log.error("Inline job failed", job=job.name, error=repr(error), **context)
            self.reporter.report(
                error,
                fingerprint=["inline", job.name],
                tags={"action": job.name, **context},
                contexts={"job": {"name": job.name, **context}},
            )
            return Dispatch(queue=QUEUE_NAME, status=DispatchStatus.FAILED, error=str(error))
        log.info("Inline job completed", job=job.name, result=dict(result), **context)
        return Dispatch(queue=QUEUE_NAME, status=DispatchStatus.RAN, result=result)
