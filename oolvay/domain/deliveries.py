"""Delivery records: one per (post, user), so that nobody is emailed twice for a post."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from oolvay.domain.ids import PostId, UserId
from oolvay.domain.time import require_aware


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    """Claimed by a run that is sending it now (or crashed while sending it)."""
    SENT = "sent"
    """Accepted by the mail server. Final: never sent again."""
    FAILED = "failed"
    """Not delivered; ``error`` says why. A later run may try again."""


@attrs.frozen
class Delivery:
    post_id: PostId
    user_id: UserId
    state: DeliveryState = attrs.field(converter=DeliveryState)
    updated_at: datetime = attrs.field(validator=require_aware)
    error: str | None = None
    attempts: int = 1
    email: str | None = None
    """The recipient's address, when the record was read together with its user."""

    def __attrs_post_init__(self) -> None:
        if (self.state is DeliveryState.FAILED) != (self.error is not None):
            raise ValueError("a delivery carries an error exactly when it failed")

    @property
    def needs_sending(self) -> bool:
        return self.state is not DeliveryState.SENT


@attrs.frozen
class DeliveryOutcome:
    """What happened to one recipient in one attempt."""

    user_id: UserId
    state: DeliveryState
    error: str | None = None
    retriable: bool = False
    """A transient failure (server busy, connection lost): the job should be retried."""

    def __attrs_post_init__(self) -> None:
        if self.state is DeliveryState.PENDING:
            raise ValueError("an outcome is sent or failed, never pending")
        if (self.state is DeliveryState.FAILED) != (self.error is not None):
            raise ValueError("an outcome carries an error exactly when it failed")

    @classmethod
    def sent(cls, user_id: UserId) -> DeliveryOutcome:
        return cls(user_id, DeliveryState.SENT)

    @classmethod
    def failed(cls, user_id: UserId, error: str, *, retriable: bool) -> DeliveryOutcome:
        return cls(user_id, DeliveryState.FAILED, error, retriable)
