"""PlanSend: fix a send's audience, once, as one delivery record per recipient."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from oolvay.application.ports import Clock, TransactionRetry, UnitOfWork
from oolvay.application.sending.policy import SendingPolicy, published_post
from oolvay.domain.errors import SendNotFound
from oolvay.domain.ids import PostId
from oolvay.domain.users import POST_EMAIL_AUDIENCE


@attrs.frozen
class Plan:
    """The batches to run now: ``batches`` batches (numbered from 0) of ``round``."""

    post_id: PostId
    round: int
    batches: int
    audience: int
    cancelled: bool = False


@attrs.frozen
class PlanSend:
    """The first thing a send does. The snapshot is one set-based statement whatever the
    audience size, and happens once: a send planned already keeps its audience (people who
    subscribe later are not part of it), and running the plan again adds nobody twice.
    Batches are at most ``policy.batch_size``, smaller when that keeps every one of the
    ``policy.concurrency`` senders busy to the end."""

    new_uow: Callable[[], UnitOfWork]
    clock: Clock
    policy: SendingPolicy
    retry: TransactionRetry

    def __call__(self, post_id: PostId) -> Plan:
        return self.retry(lambda: self._plan(post_id))

    def _plan(self, post_id: PostId) -> Plan:
        uow, now = self.new_uow(), self.clock.now()
        with uow:
            published_post(uow, post_id)
            send = uow.sends.lock(post_id)
            if send is None:
                raise SendNotFound(post_id)
            if not send.is_planned:
                size = self.policy.batch_size_for(uow.users.count_audience(POST_EMAIL_AUDIENCE))
                audience = uow.deliveries.snapshot(
                    post_id, POST_EMAIL_AUDIENCE, batch_size=size, now=now
                )
                send.planned(audience=audience, batch_size=size, now=now)
                uow.sends.update(send)
                uow.commit()
        return Plan(
            post_id=post_id,
            round=send.round,
            batches=0 if send.is_cancelled else send.batches,
            audience=send.audience or 0,
            cancelled=send.is_cancelled,
        )

    def give_up(self, post_id: PostId, *, reason: str) -> None:
        """The planner will not run again: the send keeps the reason. Not planned, it shows
        as failed and a resend plans it; planned but not every batch dispatched, its queued
        recipients become FAILED (retriable) for a resend (a batch that was dispatched
        still sends them)."""

        def stop() -> None:
            uow, now = self.new_uow(), self.clock.now()
            with uow:
                send = uow.sends.lock(post_id)
                if send is None:
                    return
                send.stopped(reason)
                uow.sends.update(send)
                if send.is_planned:
                    uow.deliveries.fail_queued(
                        post_id,
                        round=send.round,
                        batches=range(send.batches),
                        error=reason,
                        now=now,
                    )
                    uow.sends.finish_if_done(post_id, now=now)
                uow.commit()

        self.retry(stop)
