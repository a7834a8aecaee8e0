"""Ports: what the use cases need from the outside world, as typing.Protocol classes."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar

import attrs

from oolvay.application.jobs import Job, JobResult
from oolvay.application.rate_limits import RateDecision, RateLimit
from oolvay.domain.credentials import EditorSession
from oolvay.domain.deliveries import Delivery, DeliveryOutcome, DeliveryState
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post, PostStatus
from oolvay.domain.reports import Report, ReportId
from oolvay.domain.tokens import ApiToken
from oolvay.domain.users import AudienceRule, Standing, User

# --- Background jobs -------------------------------------------------------------------


class DispatchStatus(enum.StrEnum):
    COMPLETED = "completed"
    """Ran to the end in the caller (inline)."""
    FAILED = "failed"
    """Ran in the caller and raised; logged and reported (inline)."""
    DISPATCHED = "dispatched"
    """Accepted by the queue; a worker will run it."""
    DISPATCH_FAILED = "dispatch_failed"
    """The queue did not accept it; logged, reported and recorded for a later retry."""


@attrs.frozen
class Dispatch:
    """What a queue did with a job, for the caller to show; never something to branch on."""

    queue: str
    status: DispatchStatus
    result: JobResult | None = None
    error: str | None = None
    reference: str | None = None
    """The queue's id for the job (an Inngest event id), when it has one."""


@attrs.frozen
class FailedDispatch:
    """A job a queue did not accept, kept so that it can be sent again later.

    Failed dispatches are not retried automatically; an operator lists and retries them."""

    id: uuid.UUID
    queue: str
    job_name: str
    payload: Mapping[str, Any]
    """What to send again, as JSON (for Inngest: the event's name, data and id)."""
    error: str
    failed_at: datetime
    context: Mapping[str, str] = attrs.Factory(dict)
    attempts: int = 1
    resolved_at: datetime | None = None

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None


class JobQueue(Protocol):
    def enqueue(self, job: Job) -> Dispatch:
        """Have ``job`` run: now (inline) or later (a worker). Never raises for a queueing
        failure: that is logged, reported and returned as ``DISPATCH_FAILED``."""
        ...


# --- Persistence -----------------------------------------------------------------------


class PostRepository(Protocol):
    def add(self, post: Post) -> None:
        """Stage a new post for insertion at commit."""
        ...

    def get(self, post_id: PostId) -> Post | None:
        """The post with this id, or None."""
        ...

    def update(self, post: Post) -> None:
        """Stage changes to a post read in this unit of work. A concurrent change made since
        it was read raises ConcurrentUpdate (here or at commit)."""
        ...

    def delete(self, post_id: PostId) -> None:
        """Stage the removal of a post (and its delivery records)."""
        ...

    def list(self, *, status: PostStatus | None, limit: int, offset: int) -> Sequence[Post]:
        """Posts newest first (by creation time, then id), optionally of one status."""
        ...

    def count(self, *, status: PostStatus | None) -> int: ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...

    def add_many(self, users: Iterable[User]) -> int:
        """Insert the users whose email is not taken yet; return how many were inserted."""
        ...

    def get(self, user_id: UserId) -> User | None: ...

    def get_by_email(self, email: str) -> User | None: ...

    def update(self, user: User) -> None: ...

    def audience_batch(
        self, post_id: PostId, rule: AudienceRule, *, after: UserId | None, limit: int
    ) -> Sequence[User]:
        """Up to ``limit`` users matching ``rule`` with no SENT delivery for ``post_id``,
        ordered by id, with ids greater than ``after``: one keyset page of the audience."""
        ...

    def count_audience(self, post_id: PostId, rule: AudienceRule) -> int:
        """How many users ``audience_batch`` would return in all, without reading them."""
        ...


class ApiTokenRepository(Protocol):
    def add(self, token: ApiToken) -> None: ...

    def get(self, token_id: uuid.UUID) -> ApiToken | None: ...

    def get_by_hash(self, token_hash: str) -> ApiToken | None: ...

    def list_for_user(self, user_id: UserId) -> Sequence[ApiToken]: ...

    def update(self, token: ApiToken) -> None: ...


class DeliveryRepository(Protocol):
    def claim(
        self,
        post_id: PostId,
        user_ids: Sequence[UserId],
        *,
        claimant: str,
        now: datetime,
        stale_before: datetime,
    ) -> set[UserId]:
        """Mark these recipients PENDING for ``claimant`` and return the ones it may send to.

        A recipient is claimed when it has no record, a FAILED one, a PENDING one of the same
        claimant (a retry of the same run) or a PENDING one claimed before ``stale_before``
        (a run that died). SENT records, and fresh claims of other runs, are left alone:
        that is what keeps two runs from emailing the same person."""
        ...

    def record(
        self, post_id: PostId, outcomes: Sequence[DeliveryOutcome], *, claimant: str, now: datetime
    ) -> None:
        """Store the outcomes of a batch, only where ``claimant`` still holds the claim."""
        ...

    def count_by_state(self, post_id: PostId) -> Mapping[DeliveryState, int]: ...

    def list_failed(self, post_id: PostId, *, limit: int) -> Sequence[Delivery]:
        """Failed deliveries with the recipient's email, oldest first."""
        ...

    def fail_pending(self, post_id: PostId, *, error: str, now: datetime) -> int:
        """Mark every PENDING delivery of the post FAILED; returns how many."""
        ...

    def page(self, post_id: PostId, *, after: UserId | None, limit: int) -> Sequence[Delivery]:
        """Up to ``limit`` deliveries of the post with the recipient's email, ordered by user
        id, after ``after``: one keyset page, for reading every delivery in bounded memory."""
        ...


class ReportRepository(Protocol):
    def add(self, report: Report) -> None: ...

    def get(self, report_id: ReportId) -> Report | None: ...

    def update(self, report: Report) -> None: ...

    def store_content(self, report_id: ReportId, content: str) -> None:
        """Keep the report's CSV (replacing any earlier one)."""
        ...

    def content(self, report_id: ReportId) -> str | None: ...


class FailedDispatchRepository(Protocol):
    def add(self, failure: FailedDispatch) -> None: ...

    def get(self, failure_id: uuid.UUID) -> FailedDispatch | None: ...

    def list_unresolved(self, *, limit: int) -> Sequence[FailedDispatch]:
        """Unresolved failures, oldest first."""
        ...

    def update(self, failure: FailedDispatch) -> None:
        """Store a new attempt count, error or resolution time."""
        ...


class EditorPasswordRepository(Protocol):
    def get(self, user_id: UserId) -> str | None:
        """The stored hash of the editor's password, or None if none was set."""
        ...

    def set(self, user_id: UserId, password_hash: str, *, now: datetime) -> None:
        """Store (or replace) the editor's password hash."""
        ...


class EditorSessionRepository(Protocol):
    def add(self, session: EditorSession) -> None: ...

    def get_by_hash(self, token_hash: str) -> EditorSession | None: ...

    def update(self, session: EditorSession) -> None:
        """Store a new last-seen and expiry time."""
        ...

    def delete(self, session_id: uuid.UUID) -> None: ...

    def delete_for_user(self, user_id: UserId) -> int:
        """End every session of the user (a new password); returns how many."""
        ...

    def delete_expired(self, now: datetime) -> int: ...


class SubscriberDirectory(Protocol):
    """Users as the subscriber list shows them: found by address, by standing."""

    def search(
        self, *, text: str, standing: Standing | None, limit: int, offset: int
    ) -> Sequence[User]:
        """Users whose email contains ``text`` (any case), newest first."""
        ...

    def count(self, *, text: str, standing: Standing | None) -> int: ...

    def count_by_standing(self) -> Mapping[Standing, int]: ...


class UnitOfWork(Protocol):
    """One transaction. ``with uow:`` opens it; leaving without ``commit()`` rolls back.

    The same object can be entered again afterwards for a new transaction."""

    posts: PostRepository
    users: UserRepository
    deliveries: DeliveryRepository
    api_tokens: ApiTokenRepository
    failed_dispatches: FailedDispatchRepository
    reports: ReportRepository
    editor_passwords: EditorPasswordRepository
    editor_sessions: EditorSessionRepository
    subscribers: SubscriberDirectory

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


T = TypeVar("T")


class TransactionRetry(Protocol):
    def __call__(self, transaction: Callable[[], T]) -> T:
        """Run ``transaction`` (a whole unit of work, from ``with uow`` to its commit) and
        return its result; run it again while it fails for a reason that may pass (a lost
        connection, a lock), a few times; then raise its last error."""
        ...


# --- Email -----------------------------------------------------------------------------


@attrs.frozen
class EmailMessage:
    """A rendered email, ready for a Mailer."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    """Extra headers, e.g. List-Unsubscribe."""


class SendStatus(enum.StrEnum):
    SENT = "sent"
    REJECTED = "rejected"
    """Refused for good (5xx for this address, invalid address)."""
    DEFERRED = "deferred"
    """Not sent this time (4xx for this address, connection lost); worth retrying."""


@attrs.frozen
class SendResult:
    status: SendStatus
    error: str | None = None
    code: int | None = None
    """The server's reply code, when it gave one (``550``)."""
    enhanced_code: str | None = None
    """Its enhanced status code (RFC 3463), when it gave one (``5.1.1``)."""


class MailTransportUnavailable(Exception):
    """The mail server cannot take messages now: unreachable, refusing the connection, or
    asking us to slow down. Nothing more is sent on this session; the work resumes later.

    ``retry_after`` is the server's hint in seconds, when it gave one."""

    def __init__(
        self, reason: str, *, retry_after: float | None = None, throttled: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.throttled = throttled


class MailSession(Protocol):
    def send(self, message: EmailMessage) -> SendResult:
        """Send one message and say what the server made of it. A refusal of this message
        is a result; a server that cannot take messages now raises MailTransportUnavailable."""
        ...


class Mailer(Protocol):
    def session(self) -> AbstractContextManager[MailSession]:
        """A session for a run of messages, over one connection (taken from a pool, where
        the mailer keeps one, and given back at the end)."""
        ...


class NotificationRenderer(Protocol):
    def post_notification(self, post: Post, user: User) -> EmailMessage:
        """The email that tells ``user`` about ``post``."""
        ...

    def report_ready(self, report: Report, post: Post, user: User) -> EmailMessage:
        """The email that tells the requester their delivery report can be downloaded."""
        ...

    def subscription_confirmation(self, user: User) -> EmailMessage:
        """The email with the link that confirms ``user``'s subscription."""
        ...


class UserTokens(Protocol):
    """Tokens in emailed links (unsubscribe, confirm a subscription): unguessable, bound to one
    user and to one purpose."""

    def issue(self, user_id: UserId) -> str:
        """A URL-safe token that names ``user_id``."""
        ...

    def verify(self, token: str) -> UserId | None:
        """The user a genuine token names; None for anything else. Never raises."""
        ...


# --- Security ---------------------------------------------------------------------


@attrs.frozen
class PasswordCheck:
    matches: bool
    new_hash: str | None = None
    """A fresh hash of the same password when the stored one uses outdated parameters."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str:
        """A salted, slow hash of ``password``, fit for storing."""
        ...

    def verify(self, password: str, stored: str | None) -> PasswordCheck:
        """Whether ``password`` matches ``stored``. With no stored hash it spends the same
        time and says no, so the answer's timing tells nothing about which accounts exist."""
        ...


class RateLimiter(Protocol):
    def hit(self, limit: RateLimit, key: str) -> RateDecision:
        """Count one event for ``key`` under ``limit`` if it fits; say whether it did and,
        if not, how long until one would. Shared by every process of the service."""
        ...


# --- Observability and time ------------------------------------------------------------


class ErrorReporter(Protocol):
    def report(
        self,
        error: BaseException,
        *,
        fingerprint: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        contexts: Mapping[str, Mapping[str, object]] | None = None,
    ) -> None:
        """Send ``error`` to the error tracker, grouped by ``fingerprint``. Never raises."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...
