"""What a queue did with a job, and the jobs it could not hand over."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from oolvay.application.jobs import JobResult


class DispatchStatus(enum.StrEnum):
    RAN = "ran"
    """Ran to its end in the caller (inline); ``result`` says what it achieved."""
    FAILED = "failed"
    """Ran in the caller and raised; logged and reported (inline)."""
    DISPATCHED = "dispatched"
    """Accepted by the queue; a worker will run it."""
    DISPATCH_FAILED = "dispatch_failed"
    """The queue did not accept it; logged, reported and recorded for a later retry."""


@attrs.frozen
class Dispatch:
    """What a queue did with a job, for the caller to show."""

    queue: str
    status: DispatchStatus
    result: JobResult | None = None
    error: str | None = None
    reference: str | None = None
    """The queue's id for the job (an Inngest event id), when it has one."""

    @property
    def failed(self) -> bool:
        return self.status in (DispatchStatus.FAILED, DispatchStatus.DISPATCH_FAILED)


@attrs.frozen
class FailedDispatch:
    """A job a queue did not accept, kept so that it can be sent again later.

    Failed dispatches are not retried automatically; an operator lists and retries them."""

    id: uuid.UUID
    queue: str
    job_name: str
    payload: Mapping[str, Any]
    """What to send again, as JSON (for Inngest: the event's name, data and id)."""
    error: str
    failed_at: datetime
    context: Mapping[str, str] = attrs.Factory(dict)
    attempts: int = 1
    resolved_at: datetime | None = None

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
