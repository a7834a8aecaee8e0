"""Response bodies of a post's send: its state, counts, pace, and failed recipients."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from oolvay.adapters.http.schemas import DispatchOut, PostOut
from oolvay.application.bounces import PostFeedback
from oolvay.application.sending.resend import Resent
from oolvay.application.sending.status import SendOverview
from oolvay.domain.bounces import BounceKind
from oolvay.domain.deliveries import Delivery, DeliveryState
from oolvay.domain.sends import SendProgress, SendState


class SendCountsOut(BaseModel):
    queued: int
    sending: int
    sent: int
    failed: int
    uncertain: int = Field(
        description="Handed to the mail server by a run that died before the answer: perhaps "
        "delivered. A resend includes them only when asked (`include_uncertain`)."
    )
    skipped: int = Field(description="Left the audience (unsubscribed, bounced) after planning.")
    cancelled: int
    stalled: int = Field(
        description="Of `sending`: held by a run that stopped renewing its claim (it died); "
        "taken over by the next batch run or a resend."
    )
    retriable: int = Field(description="Of `failed`: failed for a passing reason.")

    @classmethod
    def of(cls, progress: SendProgress) -> SendCountsOut:
        return cls(
            **{str(state): progress[state] for state in DeliveryState},
            stalled=progress.stalled,
            retriable=progress.retriable,
        )


class ReturnedOut(BaseModel):
    """What came back for this post: each hard bounce and complaint suppressed its
    recipient (no more email to them until an editor lifts it)."""

    hard_bounces: int = Field(
        description="Refused for good when sent (a 5xx) or returned later (a DSN)."
    )
    soft_bounces: int = Field(description="Returned as delayed; the mail server keeps trying.")
    complaints: int = Field(description="Readers who marked the email as spam.")
    complaint_rate: float | None = Field(
        description="Complaints per email sent (Gmail and Yahoo ask bulk senders to stay "
        "under 0.003); null until something was sent."
    )

    @classmethod
    def of(cls, feedback: PostFeedback) -> ReturnedOut:
        counts = feedback.counts
        return cls(
            hard_bounces=counts.get(BounceKind.HARD_BOUNCE, 0),
            soft_bounces=counts.get(BounceKind.SOFT_BOUNCE, 0),
            complaints=counts.get(BounceKind.COMPLAINT, 0),
            complaint_rate=feedback.complaint_rate,
        )


class FailedDeliveryOut(BaseModel):
    user_id: uuid.UUID
    email: str | None
    error: str | None
    retriable: bool = Field(description="A passing failure (4xx, connection lost); else for good.")
    attempts: int
    updated_at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> FailedDeliveryOut:
        return cls(
            user_id=delivery.user_id,
            email=delivery.email,
            error=delivery.error,
            retriable=delivery.retriable,
            attempts=delivery.attempts,
            updated_at=delivery.updated_at,
        )


class SendOut(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    state: SendState = Field(
        description="`queued` (not planned, or nobody reached yet), `sending`, `sent` (every "
        "recipient has the email), `sent_with_failures`, `failed` (not planned, or nobody "
        "delivered), `cancelled`. Never `sent` while anyone is queued or being sent."
    )
    planned: bool = Field(description="Whether the audience has been fixed (snapshotted).")
    audience: int | None = Field(description="Recipients in the snapshot; null until planned.")
    round: int = Field(description="0 for the first pass; each resend starts a new round.")
    counts: SendCountsOut
    returned: ReturnedOut
    rate_per_second: float | None = Field(description="Over the last minute, while sending.")
    eta_seconds: float | None
    created_at: datetime
    planned_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None
    error: str | None = Field(description="Why the send stopped short, if it did.")
    failed: list[FailedDeliveryOut] = Field(description="The most recent failures.")

    @classmethod
    def of(cls, overview: SendOverview) -> SendOut:
        send = overview.send
        return cls(
            id=send.id,
            post_id=send.post_id,
            state=overview.state,
            planned=send.is_planned,
            audience=send.audience,
            round=send.round,
            counts=SendCountsOut.of(overview.progress),
            returned=ReturnedOut.of(overview.feedback),
            rate_per_second=overview.rate_per_second,
            eta_seconds=overview.eta_seconds,
            created_at=send.created_at,
            planned_at=send.planned_at,
            finished_at=send.finished_at,
            cancelled_at=send.cancelled_at,
            error=send.error,
            failed=[FailedDeliveryOut.of(d) for d in overview.failed],
        )


class FailedPageOut(BaseModel):
    items: list[FailedDeliveryOut]
    total: int
    limit: int
    offset: int


class ResendOut(BaseModel):
    requeued: int | None = Field(
        description="Recipients put into the new round; null when the send had never been "
        "planned (the job plans it now)."
    )
    round: int
    notifications: DispatchOut

    @classmethod
    def of(cls, resent: Resent) -> ResendOut:
        return cls(
            requeued=resent.requeued,
            round=resent.round,
            notifications=DispatchOut.of(resent.dispatch),
        )


class CancelOut(BaseModel):
    cancelled: int = Field(description="Queued recipients who will not be sent to.")
    send: SendOut


class PublishOut(BaseModel):
    post: PostOut
    send: SendOut | None = Field(
        description="The post's email send (its id, state and audience); null when the post "
        "sends no email. Inline, the send is over when this answers; through Inngest it is "
        "queued, and `GET /api/posts/{id}/deliveries` follows it."
    )
    notifications: DispatchOut | None = Field(
        description="What the queue did with the job; null when the post sends none."
    )
