"""What a send is doing: its state, its counts, its pace, and who did not get it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs

from oolvay.application.bounces import PostFeedback
from oolvay.application.ports import Clock, UnitOfWork
from oolvay.application.sending.policy import SendingPolicy
from oolvay.domain.deliveries import Delivery, DeliveryState
from oolvay.domain.errors import PostNotFound, SendNotFound
from oolvay.domain.ids import PostId
from oolvay.domain.sends import Send, SendProgress, SendState
from oolvay.domain.users import POST_EMAIL_AUDIENCE

RATE_WINDOW = timedelta(seconds=60)


@attrs.frozen
class SendOverview:
    send: Send
    state: SendState
    progress: SendProgress
    rate_per_second: float | None
    """Deliveries per second over the last minute, while sending."""
    eta_seconds: float | None
    failed: list[Delivery]
    """The most recent failures, with the recipient and the reason."""
    feedback: PostFeedback
    """What came back: bounces (refused at sending or returned later) and complaints, each
    suppressing its recipient but soft bounces; the complaint (spam) rate."""

    def as_result(self) -> dict[str, Any]:
        """The counts, as a job's JSON result."""
        return {
            "status": str(self.state),
            "postId": str(self.send.post_id),
            "sendId": str(self.send.id),
            "audience": self.send.audience,
            **{str(state): self.progress[state] for state in DeliveryState},
        }


@attrs.frozen
class GetSendStatus:
    new_uow: Callable[[], UnitOfWork]
    clock: Clock
    policy: SendingPolicy
    failed_limit: int = 20

    def __call__(self, post_id: PostId) -> SendOverview:
        uow, now = self.new_uow(), self.clock.now()
        with uow:
            if uow.posts.get(post_id) is None:
                raise PostNotFound(post_id)
            send = uow.sends.get(post_id)
            if send is None:
                raise SendNotFound(post_id)
            progress = uow.deliveries.progress(post_id, liveness=self.policy.liveness(now))
            recent = uow.deliveries.sent_since(post_id, now - RATE_WINDOW)
            failed = list(uow.deliveries.list_failed(post_id, limit=self.failed_limit))
            returned = uow.bounce_events.counts_for_post(post_id)
        feedback = PostFeedback(sent=progress[DeliveryState.SENT], counts=returned)
        state = send.state(progress)
        rate = eta = None
        if state is SendState.SENDING and send.planned_at is not None:
            rate = _rate(recent, since=max(send.planned_at, now - RATE_WINDOW), now=now)
            if rate:
                eta = progress.unfinished / rate
        return SendOverview(send, state, progress, rate, eta, failed, feedback)


def _rate(sent: int, *, since: datetime, now: datetime) -> float | None:
    seconds = (now - since).total_seconds()
    return sent / seconds if seconds > 0 else None


@attrs.frozen
class ListFailed:
    """Failed recipients of a post's send, most recent first, a page at a time."""

    new_uow: Callable[[], UnitOfWork]

    def __call__(
        self,
        post_id: PostId,
        *,
        limit: int,
        offset: int = 0,
        search: str | None = None,
        retriable: bool | None = None,
    ) -> tuple[list[Delivery], int]:
        uow = self.new_uow()
        with uow:
            if uow.posts.get(post_id) is None:
                raise PostNotFound(post_id)
            page = uow.deliveries.list_failed(
                post_id, limit=limit, offset=offset, search=search, retriable=retriable
            )
            total = uow.deliveries.count_failed(post_id, search=search, retriable=retriable)
        return list(page), total


@attrs.frozen
class CountAudience:
    """How many subscribers a send planned now would reach."""

    uow: UnitOfWork

    def __call__(self) -> int:
        with self.uow:
            return self.uow.users.count_audience(POST_EMAIL_AUDIENCE)
