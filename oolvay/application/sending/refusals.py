"""A recipient the mail server refused for good, at the time of sending: recorded as a hard
bounce, and suppressed once the refusals reach the thresholds."""

from __future__ import annotations

from datetime import datetime

import attrs

from oolvay.application.messages import SendResult, SendStatus
from oolvay.application.ports import UnitOfWork
from oolvay.domain.bounces import BounceEvent, BounceKind, BounceThresholds
from oolvay.domain.ids import PostId, UserId


@attrs.frozen
class Refusal:
    """A 5xx reply to one recipient: its enhanced status code (or the reply code), and the
    reply as the server worded it."""

    status: str
    detail: str

    @classmethod
    def of(cls, result: SendResult) -> Refusal | None:
        if result.status is not SendStatus.REJECTED or result.code is None:
            return None  # sent, deferred, or refused before any server saw it
        if not 500 <= result.code < 600:
            return None
        return cls(result.enhanced_code or str(result.code), result.error or "")


def record_refusal(
    uow: UnitOfWork,
    post_id: PostId,
    user_id: UserId,
    refusal: Refusal,
    thresholds: BounceThresholds,
    *,
    now: datetime,
) -> bool:
    """In the open unit of work: the hard bounce, and the suppression it may bring; whether
    the recipient is now suppressed."""
    event = BounceEvent.record(
        user_id=user_id,
        post_id=post_id,
        kind=BounceKind.HARD_BOUNCE,
        now=now,
        status=refusal.status,
        detail=refusal.detail[:500],
        source="smtp",
    )
    if not uow.bounce_events.add(event):
        return False  # the same post refused them before (a resend): counted once
    count = uow.bounce_events.count_for_user(user_id, BounceKind.HARD_BOUNCE)
    if not thresholds.suppress(refusal.status, count):
        return False
    user = uow.users.get(user_id)
    if user is None or user.bounced:
        return False
    user.mark_bounced()
    uow.users.update(user)
    return True
