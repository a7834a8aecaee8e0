"""SendPostNotifications: email every eligible subscriber who wants it, once, in batches."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TypeVar

import attrs

from oolvay.application.jobs import JobResult, SendPostNotifications
from oolvay.application.mail import send_all
from oolvay.application.ports import (
    Clock,
    EmailMessage,
    Mailer,
    NotificationRenderer,
    SendResult,
    SendStatus,
    TransactionRetry,
    UnitOfWork,
)
from oolvay.domain.deliveries import DeliveryOutcome, DeliveryState
from oolvay.domain.errors import InvalidEmailAddress, PostNotFound, PostNotPublished
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post
from oolvay.domain.users import POST_EMAIL_AUDIENCE, User, parse_email_address


@attrs.frozen
class BatchReport:
    """One batch of one run. ``after`` is the cursor for the next batch."""

    after: UserId | None
    done: bool
    sent: int = 0
    failed: int = 0
    retriable: int = 0
    """Of ``failed``: transient failures (a retry of the job may succeed)."""
    busy: int = 0
    """Recipients another live run had claimed; left to it."""


@attrs.frozen
class NotificationCounts:
    sent: int = 0
    skipped: int = 0
    """Already sent before this run, or being sent by another run."""
    failed: int = 0
    retriable: int = 0

    def add(self, batch: BatchReport) -> NotificationCounts:
        return NotificationCounts(
            sent=self.sent + batch.sent,
            skipped=self.skipped + batch.busy,
            failed=self.failed + batch.failed,
            retriable=self.retriable + batch.retriable,
        )

    def as_result(self) -> JobResult:
        return attrs.asdict(self)


def new_claimant(prefix: str) -> str:
    return f"{prefix}:{uuid.uuid4()}"


T = TypeVar("T")


def run_once(transaction: Callable[[], T]) -> T:
    """The TransactionRetry that never retries."""
    return transaction()


@attrs.frozen
class SendPostNotificationsHandler:
    """Runs the ``SendPostNotifications`` job, whichever queue delivers it.

    Each batch is two short transactions around the sending: claim the batch's recipients
    (PENDING), send, record the outcomes. ``start`` and ``send_batch`` are public so that a
    worker can run every batch as its own durable step; ``run`` loops over them in-process.

    Both transactions go through ``retry``: once the server has accepted the emails, a
    record that failed for a passing reason (a lost connection) and were given up would
    leave the batch PENDING, and a retry of the job would send it again.
    """

    uow: UnitOfWork
    mailer: Mailer
    renderer: NotificationRenderer
    clock: Clock
    batch_size: int = attrs.field(default=100, validator=attrs.validators.ge(1))
    claim_lease: timedelta = timedelta(minutes=15)
    retry: TransactionRetry = run_once

    def __call__(self, job: SendPostNotifications) -> JobResult:
        return self.run(job.post_id, claimant=new_claimant("inline")).as_result()

    def run(
        self,
        post_id: PostId,
        *,
        claimant: str,
        on_batch: Callable[[BatchReport], None] | None = None,
    ) -> NotificationCounts:
        counts = NotificationCounts(skipped=self.start(post_id))
        after: UserId | None = None
        while True:
            batch = self.send_batch(post_id, after=after, claimant=claimant)
            counts = counts.add(batch)
            if on_batch is not None:
                on_batch(batch)
            if batch.done:
                return counts
            after = batch.after

    def start(self, post_id: PostId) -> int:
        """Check the post can be notified; return how many recipients already have it."""
        with self.uow:
            self._published_post(post_id)
            return self.uow.deliveries.count_by_state(post_id).get(DeliveryState.SENT, 0)

    def send_batch(self, post_id: PostId, *, after: UserId | None, claimant: str) -> BatchReport:
        post, page, claimed = self.retry(lambda: self._claim_batch(post_id, after, claimant))
        if not page:
            return BatchReport(after=after, done=True)
        outcomes = self._deliver(post, [user for user in page if user.id in claimed])
        self.retry(lambda: self._record(post_id, outcomes, claimant))

        failed = [o for o in outcomes if o.state is DeliveryState.FAILED]
        return BatchReport(
            after=page[-1].id,
            done=len(page) < self.batch_size,
            sent=len(outcomes) - len(failed),
            failed=len(failed),
            retriable=sum(o.retriable for o in failed),
            busy=len(page) - len(claimed),
        )

    def _claim_batch(
        self, post_id: PostId, after: UserId | None, claimant: str
    ) -> tuple[Post, Sequence[User], set[UserId]]:
        now = self.clock.now()
        with self.uow:
            post = self._published_post(post_id)
            page = self.uow.users.audience_batch(
                post_id, POST_EMAIL_AUDIENCE, after=after, limit=self.batch_size
            )
            if not page:
                return post, page, set()
            claimed = self.uow.deliveries.claim(
                post_id,
                [user.id for user in page],
                claimant=claimant,
                now=now,
                stale_before=now - self.claim_lease,
            )
            self.uow.commit()
        return post, page, claimed

    def _record(self, post_id: PostId, outcomes: Sequence[DeliveryOutcome], claimant: str) -> None:
        with self.uow:
            self.uow.deliveries.record(post_id, outcomes, claimant=claimant, now=self.clock.now())
            self.uow.commit()

    def give_up(self, post_id: PostId, *, reason: str) -> int:
        """Mark the post's still-pending deliveries failed (the job will not run again);
        returns how many."""
        with self.uow:
            count = self.uow.deliveries.fail_pending(post_id, error=reason, now=self.clock.now())
            self.uow.commit()
        return count

    def _published_post(self, post_id: PostId) -> Post:
        post = self.uow.posts.get(post_id)
        if post is None:
            raise PostNotFound(post_id)
        if not post.is_published:
            raise PostNotPublished(post_id)
        return post

    def _deliver(self, post: Post, recipients: Sequence[User]) -> list[DeliveryOutcome]:
        outcomes: dict[UserId, DeliveryOutcome] = {}
        sendable: list[tuple[User, EmailMessage]] = []
        for user in recipients:
            try:
                parse_email_address(user.email)
            except InvalidEmailAddress as error:
                outcomes[user.id] = DeliveryOutcome.failed(user.id, str(error), retriable=False)
            else:
                sendable.append((user, self.renderer.post_notification(post, user)))
        results = self._send([message for _, message in sendable])
        for (user, _), result in zip(sendable, results, strict=True):
            outcomes[user.id] = _outcome(user.id, result)
        return [outcomes[user.id] for user in recipients]

    def _send(self, messages: Sequence[EmailMessage]) -> Sequence[SendResult]:
        if not messages:
            return []
        try:
            results = send_all(self.mailer, messages)
        except Exception as error:  # noqa: BLE001 - a Mailer must not raise; if one does, no message counts as sent
            return [SendResult(SendStatus.DEFERRED, f"mailer error: {error!r}")] * len(messages)
        if len(results) != len(messages):
            reason = f"mailer returned {len(results)} results for {len(messages)} messages"
            return [SendResult(SendStatus.DEFERRED, reason)] * len(messages)
        return results


def _outcome(user_id: UserId, result: SendResult) -> DeliveryOutcome:
    if result.status is SendStatus.SENT:
        return DeliveryOutcome.sent(user_id)
    error = result.error or str(result.status)
    return DeliveryOutcome.failed(user_id, error, retriable=result.status is SendStatus.DEFERRED)
