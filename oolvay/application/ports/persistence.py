"""Ports for persistence: repositories, the unit of work that holds their transaction, and
retrying a transaction that failed for a passing reason."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Protocol, TypeVar

from oolvay.application.dispatch import FailedDispatch
from oolvay.application.ports.accounts import (
    EditorPasswordRepository,
    EditorSessionRepository,
    SubscriberDirectory,
)
from oolvay.application.ports.sending import DeliveryRepository, SendRepository
from oolvay.domain.bounces import BounceEvent, BounceKind
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post, PostStatus
from oolvay.domain.reports import Report, ReportId
from oolvay.domain.tokens import ApiToken
from oolvay.domain.users import AudienceRule, User


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

    def ids_with_prefix(self, prefix: bytes) -> Sequence[PostId]:
        """The ids of the posts whose id starts with these bytes (a return path's)."""
        ...


class UserRepository(Protocol):
    def add(self, user: User) -> None: ...

    def add_many(self, users: Iterable[User]) -> int:
        """Insert the users whose email is not taken yet; return how many were inserted."""
        ...

    def get(self, user_id: UserId) -> User | None: ...

    def get_by_email(self, email: str) -> User | None:
        """The user of this mailbox: compared by ``email_key``, whatever the spelling."""
        ...

    def list_suppressed(self, *, limit: int, offset: int = 0) -> Sequence[User]:
        """Users no mail goes to (bounced or complained), by address."""
        ...

    def list_editors(self) -> Sequence[User]:
        """Every editor, ordered by email."""
        ...

    def update(self, user: User) -> None: ...

    def count_audience(self, rule: AudienceRule) -> int:
        """How many users match ``rule``: the audience a send planned now would have."""
        ...


class ApiTokenRepository(Protocol):
    def add(self, token: ApiToken) -> None: ...

    def get(self, token_id: uuid.UUID) -> ApiToken | None: ...

    def get_by_hash(self, token_hash: str) -> ApiToken | None: ...

    def list_for_user(self, user_id: UserId) -> Sequence[ApiToken]: ...

    def update(self, token: ApiToken) -> None: ...


class BounceEventRepository(Protocol):
    def add(self, event: BounceEvent) -> bool:
        """Store the event unless one of its kind exists for its user and post; whether
        it was stored (False: the same report, or another like it, came before)."""
        ...

    def for_user(self, user_id: UserId, *, limit: int) -> Sequence[BounceEvent]:
        """The user's events, newest first."""
        ...

    def latest_for_users(self, user_ids: Sequence[UserId]) -> Mapping[UserId, BounceEvent]:
        """Each user's newest event that suppresses (a hard bounce or a complaint)."""
        ...

    def counts_for_post(self, post_id: PostId) -> Mapping[BounceKind, int]:
        """How many events of each kind the post has had."""
        ...

    def count_for_user(self, user_id: UserId, kind: BounceKind) -> int:
        """How many events of this kind the user has had, over every post."""
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


class UnitOfWork(Protocol):
    """One transaction. ``with uow:`` opens it; leaving without ``commit()`` rolls back.

    The same object can be entered again afterwards for a new transaction."""

    # Read-only properties, so that a fake whose repositories are subclasses, or other
    # classes of the same shape, still is a UnitOfWork.
    @property
    def posts(self) -> PostRepository: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def sends(self) -> SendRepository: ...

    @property
    def deliveries(self) -> DeliveryRepository: ...

    @property
    def api_tokens(self) -> ApiTokenRepository: ...

    @property
    def failed_dispatches(self) -> FailedDispatchRepository: ...

    @property
    def reports(self) -> ReportRepository: ...

    @property
    def bounce_events(self) -> BounceEventRepository: ...

    @property
    def editor_passwords(self) -> EditorPasswordRepository: ...

    @property
    def editor_sessions(self) -> EditorSessionRepository: ...

    @property
    def subscribers(self) -> SubscriberDirectory: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


T = TypeVar("T")


class TransactionRetry(Protocol):
    def __call__(self, transaction: Callable[[], T]) -> T:
        """Run ``transaction`` (a whole unit of work, from ``with uow`` to its commit) and
        return its result; run it again while it fails for a reason that may pass (a lost
        connection, a lock), a few times; then raise its last error."""
        ...
