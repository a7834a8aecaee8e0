"""Delivery records: one per (post, recipient) of a send's audience, so that nobody is emailed
twice for a post and every recipient's outcome is known."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from oolvay.domain.ids import PostId, UserId
from oolvay.domain.time import require_aware


class DeliveryState(enum.StrEnum):
    QUEUED = "queued"
    """In the send's audience, waiting for its batch."""
    SENDING = "sending"
    """Claimed by a batch run that is sending it now (or died while sending it)."""
    SENT = "sent"
    """Accepted by the mail server. Final: never sent again."""
    FAILED = "failed"
    """Not delivered; ``error`` says why, ``retriable`` whether trying again may help."""
    UNCERTAIN = "uncertain"
    """Handed to the mail server by a run that died before hearing the answer: perhaps
    delivered. Sent again only when asked explicitly."""
    SKIPPED = "skipped"
    """Left the audience after the send was planned (unsubscribed, bounced, deactivated)."""
    CANCELLED = "cancelled"
    """The send was cancelled before this recipient's turn."""


UNFINISHED = frozenset({DeliveryState.QUEUED, DeliveryState.SENDING})
"""A send is not over while any recipient is in one of these states."""


@attrs.frozen
class Delivery:
    post_id: PostId
    user_id: UserId
    state: DeliveryState = attrs.field(converter=DeliveryState)
    updated_at: datetime = attrs.field(validator=require_aware)
    error: str | None = None
    attempts: int = 0
    retriable: bool = False
    email: str | None = None
    """The recipient's address, when the record was read together with its user."""


@attrs.frozen
class DeliveryOutcome:
    """What happened to one recipient in one attempt."""

    user_id: UserId
    state: DeliveryState
    error: str | None = None
    retriable: bool = False
    """A transient failure (server busy, connection lost): trying again may succeed."""

    def __attrs_post_init__(self) -> None:
        if self.state not in (DeliveryState.SENT, DeliveryState.FAILED):
            raise ValueError("an outcome is sent or failed")
        if (self.state is DeliveryState.FAILED) != (self.error is not None):
            raise ValueError("an outcome carries an error exactly when it failed")

    @classmethod
    def sent(cls, user_id: UserId) -> DeliveryOutcome:
        return cls(user_id, DeliveryState.SENT)

    @classmethod
    def failed(cls, user_id: UserId, error: str, *, retriable: bool) -> DeliveryOutcome:
        return cls(user_id, DeliveryState.FAILED, error, retriable)
