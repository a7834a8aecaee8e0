"""Bounces and complaints: what comes back after a message was accepted."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import attrs

from oolvay.domain.ids import PostId, UserId
from oolvay.domain.time import require_aware


class BounceKind(enum.StrEnum):
    HARD_BOUNCE = "hard_bounce"
    """The receiving server gave up for good (a DSN with Action: failed, status 5.x.x)."""
    SOFT_BOUNCE = "soft_bounce"
    """It has not delivered yet and is still trying (Action: delayed, status 4.x.x)."""
    COMPLAINT = "complaint"
    """The reader marked the message as spam (an ARF report from their provider)."""

    @property
    def suppresses(self) -> bool:
        """Whether one such event stops all mail to the address."""
        return self is not BounceKind.SOFT_BOUNCE


@attrs.frozen
class BounceEvent:
    """One report about one recipient of one post. There is at most one of each kind per
    recipient and post, so the same report read twice counts once."""

    id: uuid.UUID
    user_id: UserId
    post_id: PostId
    kind: BounceKind = attrs.field(converter=BounceKind)
    received_at: datetime = attrs.field(validator=require_aware)
    status: str | None = None
    """The enhanced status code of a bounce (``5.1.1``), or a complaint's feedback type."""
    detail: str | None = None
    """The receiving server's diagnostic, for the editor reading the record."""
    source: str = ""
    """Where the report was read: ``maildir``, ``imap`` or ``smtp``."""

    @classmethod
    def record(
        cls,
        *,
        user_id: UserId,
        post_id: PostId,
        kind: BounceKind,
        now: datetime,
        status: str | None = None,
        detail: str | None = None,
        source: str = "",
    ) -> BounceEvent:
        return cls(uuid.uuid4(), user_id, post_id, kind, now, status, detail, source)


UNKNOWN_USER = frozenset({"5.1.1", "5.1.10"})
"""Enhanced status codes (RFC 3463, RFC 7505) saying the mailbox does not exist."""


@attrs.frozen
class BounceThresholds:
    """How many hard bounces suppress an address: fewer for one that does not exist than for
    a refusal that might pass (a full mailbox, a policy)."""

    unknown_user: int = attrs.field(validator=attrs.validators.ge(1))
    other: int = attrs.field(validator=attrs.validators.ge(1))

    def suppress(self, status: str | None, hard_bounces: int) -> bool:
        needed = self.unknown_user if status in UNKNOWN_USER else self.other
        return hard_bounces >= needed
