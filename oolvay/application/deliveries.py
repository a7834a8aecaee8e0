"""Delivery status of a post, and resending what failed."""

from __future__ import annotations

import uuid

import attrs

from oolvay.application.jobs import SendPostNotifications
from oolvay.application.ports import Dispatch, JobQueue, UnitOfWork
from oolvay.domain.deliveries import Delivery, DeliveryState
from oolvay.domain.errors import NothingToResend, PostNotFound, PostNotPublished
from oolvay.domain.ids import PostId
from oolvay.domain.users import POST_EMAIL_AUDIENCE


@attrs.frozen
class DeliveryStatus:
    post_id: PostId
    counts: dict[DeliveryState, int]
    failed: list[Delivery]
    """The most recent failures, with the recipient and the reason."""


@attrs.frozen
class GetDeliveryStatus:
    uow: UnitOfWork
    failed_limit: int = 100

    def __call__(self, post_id: PostId) -> DeliveryStatus:
        with self.uow:
            if self.uow.posts.get(post_id) is None:
                raise PostNotFound(post_id)
            found = self.uow.deliveries.count_by_state(post_id)
            counts = {state: found.get(state, 0) for state in DeliveryState}
            failed = list(self.uow.deliveries.list_failed(post_id, limit=self.failed_limit))
        return DeliveryStatus(post_id=post_id, counts=counts, failed=failed)


@attrs.frozen
class CountAudience:
    """How many recipients a send of this post would still reach."""

    uow: UnitOfWork

    def __call__(self, post_id: PostId) -> int:
        with self.uow:
            if self.uow.posts.get(post_id) is None:
                raise PostNotFound(post_id)
            return self.uow.users.count_audience(post_id, POST_EMAIL_AUDIENCE)


@attrs.frozen
class ResendFailed:
    """Enqueue the notification job again; it sends only to whoever has not got the post."""

    uow: UnitOfWork
    queue: JobQueue

    def __call__(self, post_id: PostId) -> Dispatch:
        with self.uow:
            post = self.uow.posts.get(post_id)
            if post is None:
                raise PostNotFound(post_id)
            if not post.is_published:
                raise PostNotPublished(post_id)
            counts = self.uow.deliveries.count_by_state(post_id)
        if not counts.get(DeliveryState.FAILED) and not counts.get(DeliveryState.PENDING):
            raise NothingToResend(post_id)
        job = SendPostNotifications(
            post_id=post.id,
            notification_type=post.notification_type,
            reason=f"resend-{uuid.uuid4().hex[:12]}",
        )
        return self.queue.enqueue(job)
