"""How sends behave, from the settings (the defaults are stated in ``oolvay/settings.py``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

import attrs

from oolvay.application.ports import Liveness, UnitOfWork
from oolvay.domain.errors import PostNotFound, PostNotPublished
from oolvay.domain.ids import PostId
from oolvay.domain.posts import Post

T = TypeVar("T")

HEARTBEATS_MISSED = 5
"""A lease is dead when this many heartbeats in a row did not come."""
SPREAD = 4
"""A send is planned in at least this many batches per sender, when its audience allows:
the last round of batches then leaves few senders idle."""
SMALLEST_SPREAD_BATCH = 10
"""Spreading never makes batches smaller than this (each batch has a fixed cost)."""


@attrs.frozen
class SendingPolicy:
    batch_size: int = attrs.field(validator=attrs.validators.ge(1))
    """Recipients per batch: one claim, one mail session."""
    concurrency: int = attrs.field(validator=attrs.validators.ge(1))
    """Batches sent at once (inline threads; the Inngest concurrency limit)."""
    heartbeat: timedelta
    """How often a batch run renews its lease."""
    claim_lease: timedelta
    """The longest a lease holds, heartbeat or not."""
    inline_wait: timedelta
    """How long an inline send waits for a mail server that is unavailable before the rest
    of its batches fail (retriable)."""

    def batch_size_for(self, audience: int) -> int:
        """``batch_size``, or less for an audience too small to keep every sender busy."""
        spread = -(-audience // (self.concurrency * SPREAD))
        return min(self.batch_size, max(spread, SMALLEST_SPREAD_BATCH))

    @property
    def dead_after(self) -> timedelta:
        return self.heartbeat * HEARTBEATS_MISSED

    def liveness(self, now: datetime) -> Liveness:
        return Liveness(heartbeat_before=now - self.dead_after, taken_before=now - self.claim_lease)


def wait_on_event(seconds: float) -> None:
    """The real sleep of a sender: a wait nobody wakes early."""
    threading.Event().wait(seconds)


def run_once(transaction: Callable[[], T]) -> T:
    """The TransactionRetry that never retries."""
    return transaction()


def published_post(uow: UnitOfWork, post_id: PostId) -> Post:
    """The post, which must exist and be published (in an open unit of work)."""
    post = uow.posts.get(post_id)
    if post is None:
        raise PostNotFound(post_id)
    if not post.is_published:
        raise PostNotPublished(post_id)
    return post
