"""A send: one post's email to its audience, fixed when the send is planned."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import NewType

import attrs

from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId
from oolvay.domain.time import require_aware

SendId = NewType("SendId", uuid.UUID)


class SendState(enum.StrEnum):
    QUEUED = "queued"
    """Not planned yet, or planned with nobody reached yet."""
    SENDING = "sending"
    SENT = "sent"
    """Every recipient of the audience has an outcome, and none failed."""
    SENT_WITH_FAILURES = "sent_with_failures"
    """Every recipient has an outcome; some were delivered and some were not."""
    FAILED = "failed"
    """It could not be planned, or it ended with nobody delivered."""
    CANCELLED = "cancelled"


@attrs.frozen
class SendProgress:
    """How many recipients of a send (or of one batch) are in each delivery state.
    ``stalled`` counts the SENDING ones whose run stopped renewing its claim (it died): they
    go back to the queue, or become UNCERTAIN, at the next claim or resend."""

    counts: Mapping[DeliveryState, int] = attrs.field(factory=dict)
    stalled: int = 0
    retriable: int = 0
    """Of the FAILED ones, how many failed for a passing reason (a resend may reach them)."""

    def __getitem__(self, state: DeliveryState) -> int:
        return self.counts.get(state, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def unfinished(self) -> int:
        return self[DeliveryState.QUEUED] + self[DeliveryState.SENDING]

    @property
    def undelivered(self) -> int:
        """Recipients with an outcome that is not a delivery (failed or uncertain)."""
        return self[DeliveryState.FAILED] + self[DeliveryState.UNCERTAIN]


@attrs.define
class Send:
    """The send of one post. Planning snapshots the audience (one delivery record per
    recipient) and numbers it into batches; a resend starts a new ``round`` of batches made
    of the recipients that still lack the post."""

    id: SendId
    post_id: PostId
    created_at: datetime = attrs.field(validator=require_aware)
    planned_at: datetime | None = attrs.field(default=None, validator=require_aware)
    audience: int | None = None
    round: int = 0
    batches: int = 0
    """Batches in the current round."""
    batch_size: int | None = None
    finished_at: datetime | None = attrs.field(default=None, validator=require_aware)
    cancelled_at: datetime | None = attrs.field(default=None, validator=require_aware)
    error: str | None = None
    """Why it stopped short: planning gave up, or the mail server kept refusing."""

    @classmethod
    def new(cls, post_id: PostId, *, now: datetime) -> Send:
        return cls(id=SendId(uuid.uuid4()), post_id=post_id, created_at=now)

    @property
    def is_planned(self) -> bool:
        return self.planned_at is not None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def planned(self, *, audience: int, batch_size: int, now: datetime) -> None:
        """Record the plan: ``audience`` recipients in batches of ``batch_size``."""
        if self.is_planned:
            raise ValueError(f"send {self.id} is already planned")
        self.planned_at = now
        self.audience = audience
        self.batch_size = batch_size
        self.batches = -(-audience // batch_size)
        self.error = None
        self.finished_at = now if audience == 0 else None

    def new_round(self, *, recipients: int) -> int:
        """Start the next round for ``recipients`` requeued recipients; return its number."""
        if self.batch_size is None:
            raise ValueError(f"send {self.id} is not planned")
        self.round += 1
        self.batches = -(-recipients // self.batch_size)
        self.finished_at = None
        self.cancelled_at = None
        self.error = None
        return self.round

    def plan_again(self) -> None:
        """Planning failed before; let the next job try it afresh."""
        self.error = None
        self.cancelled_at = None

    def cancel(self, now: datetime) -> None:
        self.cancelled_at = now

    def stopped(self, reason: str) -> None:
        self.error = reason

    def state(self, progress: SendProgress) -> SendState:
        """The state a person reads: never SENT while anyone is queued or being sent."""
        if self.is_cancelled:
            return SendState.CANCELLED
        if not self.is_planned:
            return SendState.FAILED if self.error else SendState.QUEUED
        if progress.unfinished:
            started = progress.total - progress[DeliveryState.QUEUED]
            return SendState.SENDING if started else SendState.QUEUED
        if progress.undelivered == 0:
            return SendState.SENT
        if progress[DeliveryState.SENT] == 0:
            return SendState.FAILED
        return SendState.SENT_WITH_FAILURES
