"""SendBatch: send one batch of a send, recording each recipient's outcome as it comes."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence

import attrs
import structlog

from oolvay.application.jobs import JSONScalar
from oolvay.application.messages import MailTransportUnavailable, SendResult, SendStatus
from oolvay.application.ports import (
    Clock,
    Lease,
    Mailer,
    MailSession,
    NotificationRenderer,
    TransactionRetry,
    UnitOfWork,
)
from oolvay.application.sending.circuit import MailCircuit
from oolvay.application.sending.governor import MailGovernor, RateDeferred
from oolvay.application.sending.heartbeat import Heartbeats, HeldLease
from oolvay.application.sending.policy import SendingPolicy, published_post
from oolvay.application.sending.refusals import Refusal, record_refusal
from oolvay.domain.bounces import BounceThresholds
from oolvay.domain.deliveries import DeliveryOutcome, DeliveryState
from oolvay.domain.errors import InvalidEmailAddress
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post
from oolvay.domain.sends import SendProgress
from oolvay.domain.users import POST_EMAIL_AUDIENCE, User, parse_email_address

log = structlog.get_logger(__name__)


class BatchDeferred(Exception):
    """The mail server cannot take the batch now; its recipients are back in the queue and
    the batch should run again after ``retry_after`` seconds."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(f"{reason} (retry in {retry_after:.0f}s)")
        self.reason = reason
        self.retry_after = retry_after


@attrs.frozen
class BatchReport:
    """One batch of one round as the database has it after a run: right however many
    attempts the batch took."""

    post_id: PostId
    round: int
    batch: int
    progress: SendProgress

    def as_json(self) -> dict[str, JSONScalar]:
        return {
            "postId": str(self.post_id),
            "round": self.round,
            "batch": self.batch,
            **{str(state): self.progress[state] for state in DeliveryState},
            "retriable": self.progress.retriable,
        }


@attrs.frozen
class SendBatch:
    """Runs one batch, whichever queue asked: claim its recipients under a new lease (kept
    alive by the process's heartbeat), then for each one in order send the email and record
    the outcome, in one short transaction that also notes the next recipient as in flight.
    A run that dies leaves at most that one recipient undecided (UNCERTAIN); the others it
    held go back to the queue when its lease is taken over."""

    new_uow: Callable[[], UnitOfWork]
    mailer: Mailer
    renderer: NotificationRenderer
    clock: Clock
    policy: SendingPolicy
    heartbeats: Heartbeats
    circuit: MailCircuit
    governor: MailGovernor
    thresholds: BounceThresholds
    retry: TransactionRetry

    def __call__(self, post_id: PostId, *, round: int, batch: int, holder: str) -> BatchReport:
        wait = self.circuit.wait()
        if wait > 0:
            raise BatchDeferred(self.circuit.reason or "the mail server is unavailable", wait)
        lease = Lease(
            id=uuid.uuid4().hex,
            post_id=post_id,
            round=round,
            batch=batch,
            holder=holder,
            created_at=self.clock.now(),
        )
        post, recipients = self.retry(lambda: self._claim(lease))
        if recipients:
            with self.heartbeats.hold(lease.id) as held:
                self._send(post, recipients, lease, held)
        return self.report(post_id, round=round, batch=batch)

    def report(self, post_id: PostId, *, round: int, batch: int) -> BatchReport:
        """The batch as the database has it now."""
        return self.retry(lambda: self._report(post_id, round, batch))

    def give_up(self, post_id: PostId, *, round: int, batches: range, reason: str) -> int:
        """These batches will not run again: their recipients still without an outcome
        become FAILED (retriable, for a resend), and the send keeps the reason."""

        def fail() -> int:
            uow, now = self.new_uow(), self.clock.now()
            with uow:
                one = (round, batches.start) if len(batches) == 1 else None
                uow.deliveries.reap(post_id, liveness=self.policy.liveness(now), now=now, batch=one)
                failed = uow.deliveries.fail_queued(
                    post_id, round=round, batches=batches, error=reason, now=now
                )
                send = uow.sends.lock(post_id)
                if send is not None:
                    send.stopped(reason)
                    uow.sends.update(send)
                uow.sends.finish_if_done(post_id, now=now)
                uow.commit()
            return failed

        return self.retry(fail)

    def _claim(self, lease: Lease) -> tuple[Post, Sequence[User]]:
        uow, now = self.new_uow(), self.clock.now()
        with uow:
            post = published_post(uow, lease.post_id)
            recipients = uow.deliveries.claim_batch(
                lease, POST_EMAIL_AUDIENCE, liveness=self.policy.liveness(now), now=now
            )
            uow.commit()
        return post, recipients

    def _send(self, post: Post, recipients: Sequence[User], lease: Lease, held: HeldLease) -> None:
        try:
            with self.mailer.session() as session:
                for number, user in enumerate(recipients):
                    outcome, refusal = self._deliver(session, post, user)
                    self.circuit.succeeded()  # it answered: a failure after is a new row
                    after = recipients[number + 1].id if number + 1 < len(recipients) else None
                    record = functools.partial(self._record, lease, outcome, after, refusal)
                    if held.lost or not self.retry(record):
                        log.warning("A send lease was taken over; its run stops", lease=lease.id)
                        return
        except (MailTransportUnavailable, RateDeferred) as error:
            delay = self._wait_after(error)
            # Nothing was handed to the server: the batch's recipients are simply queued.
            self.retry(lambda: self._release(lease))
            log.warning("Batch deferred", reason=error.reason, retry_in=delay)
            raise BatchDeferred(error.reason, delay) from error
        # Anything else (the database gone for longer than the retries, a bug) leaves the
        # lease to die: taking it over decides the recipient in flight as UNCERTAIN.
        self.retry(lambda: self._release(lease))

    def _wait_after(self, error: MailTransportUnavailable | RateDeferred) -> float:
        if isinstance(error, RateDeferred):
            return error.retry_after
        if error.throttled:
            self.governor.throttled()
        return self.circuit.failed(error)

    def _deliver(
        self, session: MailSession, post: Post, user: User
    ) -> tuple[DeliveryOutcome, Refusal | None]:
        try:
            parse_email_address(user.email)
        except InvalidEmailAddress as error:
            return DeliveryOutcome.failed(user.id, error.message, retriable=False), None
        message = self.renderer.post_notification(post, user)
        self.governor.acquire()
        result = session.send(message)
        if result.status is SendStatus.SENT:
            self.governor.sent()
        return _outcome(user, result), Refusal.of(result)

    def _record(
        self,
        lease: Lease,
        outcome: DeliveryOutcome,
        after: UserId | None,
        refusal: Refusal | None,
    ) -> bool:
        uow, now = self.new_uow(), self.clock.now()
        with uow:
            held = uow.deliveries.record(
                lease.post_id, outcome, lease_id=lease.id, next_in_flight=after, now=now
            )
            if held and refusal is not None:
                record_refusal(
                    uow, lease.post_id, outcome.user_id, refusal, self.thresholds, now=now
                )
            uow.commit()
        return held

    def _release(self, lease: Lease) -> None:
        uow = self.new_uow()
        with uow:
            uow.deliveries.release(
                lease.post_id,
                lease_id=lease.id,
                state=DeliveryState.QUEUED,
                error=None,
                now=self.clock.now(),
            )
            uow.commit()

    def _report(self, post_id: PostId, round: int, batch: int) -> BatchReport:
        uow = self.new_uow()
        with uow:
            progress = uow.deliveries.batch_progress(post_id, round=round, batch=batch)
            uow.sends.finish_if_done(post_id, now=self.clock.now())
            uow.commit()
        return BatchReport(post_id=post_id, round=round, batch=batch, progress=progress)


def _outcome(user: User, result: SendResult) -> DeliveryOutcome:
    if result.status is SendStatus.SENT:
        return DeliveryOutcome.sent(user.id)
    error = result.error or str(result.status)
    return DeliveryOutcome.failed(user.id, error, retriable=result.status is SendStatus.DEFERRED)
