"""Resending to whoever lacks a post's email, and cancelling a send."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import attrs

from oolvay.application.dispatch import Dispatch
from oolvay.application.jobs import SendPostNotifications
from oolvay.application.ports import Clock, JobQueue, TransactionRetry, UnitOfWork
from oolvay.application.sending.policy import SendingPolicy, published_post
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.errors import NothingToResend, SendNotFound
from oolvay.domain.ids import PostId
from oolvay.domain.posts import Post


@attrs.frozen
class Resent:
    dispatch: Dispatch
    requeued: int | None
    """Recipients put in the new round; None when the send was never planned (the job
    plans it now)."""
    round: int


@attrs.frozen
class ResendNotSent:
    """Put every recipient of the send who has not got the email (failed, queued after a
    run that died, cancelled; uncertain only when asked) into a new round of batches, and
    have the queue send it. Recipients already sent, and those a live run is sending, are
    left alone. A send that was never planned is planned by the job this enqueues."""

    new_uow: Callable[[], UnitOfWork]
    queue: JobQueue
    clock: Clock
    policy: SendingPolicy
    retry: TransactionRetry

    def __call__(self, post_id: PostId, *, include_uncertain: bool = False) -> Resent:
        post, requeued, round = self.retry(lambda: self._requeue(post_id, include_uncertain))
        reason = f"resend-{round}" if requeued is not None else f"plan-{uuid.uuid4().hex[:12]}"
        job = SendPostNotifications(
            post_id=post.id, notification_type=post.notification_type, reason=reason
        )
        return Resent(dispatch=self.queue.enqueue(job), requeued=requeued, round=round)

    def _requeue(self, post_id: PostId, include_uncertain: bool) -> tuple[Post, int | None, int]:
        uow, now = self.new_uow(), self.clock.now()
        with uow:
            post = published_post(uow, post_id)
            send = uow.sends.lock(post_id)
            if send is None:
                raise SendNotFound(post_id)
            if not send.is_planned or send.batch_size is None:
                send.plan_again()
                uow.sends.update(send)
                uow.commit()
                return post, None, send.round
            liveness = self.policy.liveness(now)
            uow.deliveries.reap(post_id, liveness=liveness, now=now)
            requeued = uow.deliveries.requeue(
                post_id,
                round=send.round + 1,
                batch_size=send.batch_size,
                include_uncertain=include_uncertain,
                now=now,
            )
            if not requeued:
                progress = uow.deliveries.progress(post_id, liveness=liveness)
                uow.commit()
                raise NothingToResend(
                    post_id,
                    sending=progress[DeliveryState.SENDING],
                    uncertain=0 if include_uncertain else progress[DeliveryState.UNCERTAIN],
                )
            round = send.new_round(recipients=requeued)
            uow.sends.update(send)
            uow.commit()
        return post, requeued, round


@attrs.frozen
class CancelSend:
    """Stop a send: no recipient still queued is sent to. Batches already sending finish
    the recipients they hold (at most a batch each). A resend takes it up again."""

    new_uow: Callable[[], UnitOfWork]
    clock: Clock
    retry: TransactionRetry

    def __call__(self, post_id: PostId) -> int:
        def cancel() -> int:
            uow, now = self.new_uow(), self.clock.now()
            with uow:
                published_post(uow, post_id)
                send = uow.sends.lock(post_id)
                if send is None:
                    raise SendNotFound(post_id)
                send.cancel(now)
                uow.sends.update(send)
                cancelled = uow.deliveries.cancel_queued(post_id, now=now)
                uow.commit()
            return cancelled

        return self.retry(cancel)
