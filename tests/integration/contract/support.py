"""Arranging a send in any store, and reading back its delivery records."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from oolvay.application.ports import Lease, Liveness, UnitOfWork
from oolvay.domain.deliveries import DeliveryOutcome, DeliveryState
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post
from oolvay.domain.sends import Send
from oolvay.domain.users import POST_EMAIL_AUDIENCE, User
from tests.builders import T0, a_post, a_subscriber
from tests.integration.conftest import an_author

NewUow = Callable[[], UnitOfWork]
LIVE = Liveness(heartbeat_before=T0 - timedelta(seconds=10), taken_before=T0 - timedelta(hours=1))
"""Leases renewed at T0 are alive."""
LATER = T0 + timedelta(seconds=30)
DEAD = Liveness(
    heartbeat_before=LATER - timedelta(seconds=10), taken_before=T0 - timedelta(hours=1)
)
"""At LATER, a lease last renewed at T0 is dead."""


def a_published_post_with_readers(new_uow: NewUow, readers: int) -> tuple[Post, list[User]]:
    post = a_post()
    post.publish(T0)
    users = [a_subscriber(n) for n in range(readers)]
    uow = new_uow()
    with uow:
        uow.users.add(an_author())
        uow.posts.add(post)
        for user in users:
            uow.users.add(user)
        uow.sends.add(Send.new(post.id, now=T0))
        uow.commit()
    return post, users


def snapshot(new_uow: NewUow, post_id: PostId, *, batch_size: int) -> int:
    uow = new_uow()
    with uow:
        added = uow.deliveries.snapshot(post_id, POST_EMAIL_AUDIENCE, batch_size=batch_size, now=T0)
        uow.commit()
    return added


def a_lease(post_id: PostId, *, round: int = 0, batch: int = 0, at: datetime = T0) -> Lease:
    return Lease(uuid.uuid4().hex, post_id, round, batch, "test", at)


def claim(
    new_uow: NewUow, lease: Lease, *, liveness: Liveness = LIVE, now: datetime = T0
) -> list[UserId]:
    uow = new_uow()
    with uow:
        claimed = uow.deliveries.claim_batch(lease, POST_EMAIL_AUDIENCE, liveness=liveness, now=now)
        uow.commit()
    return [user.id for user in claimed]


def record(
    new_uow: NewUow,
    lease: Lease,
    outcome: DeliveryOutcome,
    *,
    next_in_flight: UserId | None = None,
    now: datetime = T0,
) -> bool:
    uow = new_uow()
    with uow:
        held = uow.deliveries.record(
            lease.post_id, outcome, lease_id=lease.id, next_in_flight=next_in_flight, now=now
        )
        uow.commit()
    return held


def states(new_uow: NewUow, post_id: PostId, users: Sequence[User]) -> list[DeliveryState]:
    uow = new_uow()
    with uow:
        page = {d.user_id: d.state for d in uow.deliveries.page(post_id, after=None, limit=10_000)}
    return [page[user.id] for user in users]


def batches(new_uow: NewUow, post_id: PostId) -> dict[tuple[int, int], int]:
    """(round, batch) -> how many recipients, read through the batch counts."""
    uow = new_uow()
    with uow:
        found = {}
        for round in range(3):
            for batch in range(20):
                total = uow.deliveries.batch_progress(post_id, round=round, batch=batch).total
                if total:
                    found[(round, batch)] = total
    return found
