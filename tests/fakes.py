"""Fakes for the application's ports: in-memory, with state a test can assert on."""

from __future__ import annotations

import contextlib
import copy
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

import attrs

from oolvay.application.jobs import Job, JobHandler, JobResult
from oolvay.application.ports import (
    Dispatch,
    DispatchStatus,
    EmailMessage,
    FailedDispatch,
    MailSession,
    MailTransportUnavailable,
    SendResult,
    SendStatus,
)
from oolvay.domain.credentials import EditorSession
from oolvay.domain.deliveries import Delivery, DeliveryOutcome, DeliveryState
from oolvay.domain.errors import ConcurrentUpdate
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post, PostStatus
from oolvay.domain.reports import Report, ReportId
from oolvay.domain.tokens import ApiToken
from oolvay.domain.users import AudienceRule, User
from tests.fakes_accounts import (
    FakeEditorPasswordRepository,
    FakeEditorSessionRepository,
    FakeSubscriberDirectory,
)


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeJobQueue:
    """Records jobs instead of running them; ``drain()`` runs them through real handlers."""

    def __init__(self, handlers: Mapping[type[Any], JobHandler[Any]] | None = None) -> None:
        self.handlers = dict(handlers or {})
        self.enqueued: list[Job] = []

    def enqueue(self, job: Job) -> Dispatch:
        self.enqueued.append(job)
        return Dispatch(queue="fake", status=DispatchStatus.DISPATCHED)

    def assert_enqueued(self, job: Job, *, times: int = 1) -> None:
        found = sum(1 for candidate in self.enqueued if candidate == job)
        assert found == times, (
            f"expected {job!r} enqueued {times}x, got {found}x in {self.enqueued}"
        )

    def assert_nothing_enqueued(self) -> None:
        assert not self.enqueued, f"expected no jobs, got {self.enqueued}"

    def drain(self) -> list[JobResult]:
        """Run every enqueued job (and any they enqueue) through its handler, in order."""
        results = []
        while self.enqueued:
            job = self.enqueued.pop(0)
            results.append(self.handlers[type(job)](job))
        return results


@attrs.define
class _DeliveryRow:
    state: DeliveryState
    claimant: str | None
    claimed_at: datetime | None
    updated_at: datetime
    error: str | None = None
    attempts: int = 1


@attrs.define
class FakeStore:
    """The 'database' behind a FakeUnitOfWork."""

    posts: dict[PostId, Post] = attrs.Factory(dict)
    users: dict[UserId, User] = attrs.Factory(dict)
    deliveries: dict[tuple[PostId, UserId], _DeliveryRow] = attrs.Factory(dict)
    failed_dispatches: dict[uuid.UUID, FailedDispatch] = attrs.Factory(dict)
    api_tokens: dict[uuid.UUID, ApiToken] = attrs.Factory(dict)
    reports: dict[ReportId, Report] = attrs.Factory(dict)
    report_contents: dict[ReportId, str] = attrs.Factory(dict)
    editor_passwords: dict[UserId, str] = attrs.Factory(dict)
    editor_sessions: dict[uuid.UUID, EditorSession] = attrs.Factory(dict)


class FakePostRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, post: Post) -> None:
        self._store.posts[post.id] = copy.deepcopy(post)

    def get(self, post_id: PostId) -> Post | None:
        post = self._store.posts.get(post_id)
        return copy.deepcopy(post) if post is not None else None

    def update(self, post: Post) -> None:
        stored = self._store.posts[post.id]
        if stored.version != post.version:
            raise ConcurrentUpdate(f"post {post.id} changed since it was read")
        post.version += 1
        self._store.posts[post.id] = copy.deepcopy(post)

    def delete(self, post_id: PostId) -> None:
        self._store.posts.pop(post_id, None)
        for key in [k for k in self._store.deliveries if k[0] == post_id]:
            del self._store.deliveries[key]

    def list(self, *, status: PostStatus | None, limit: int, offset: int) -> Sequence[Post]:
        chosen = [p for p in self._store.posts.values() if status is None or p.status is status]
        chosen.sort(key=lambda p: (p.created_at, p.id), reverse=True)
        return [copy.deepcopy(p) for p in chosen[offset : offset + limit]]

    def count(self, *, status: PostStatus | None) -> int:
        return sum(1 for p in self._store.posts.values() if status is None or p.status is status)


class FakeUserRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, user: User) -> None:
        self._store.users[user.id] = copy.deepcopy(user)

    def add_many(self, users: Iterable[User]) -> int:
        taken = {u.email.lower() for u in self._store.users.values()}
        inserted = 0
        for user in users:
            if user.email.lower() not in taken:
                taken.add(user.email.lower())
                self.add(user)
                inserted += 1
        return inserted

    def get(self, user_id: UserId) -> User | None:
        user = self._store.users.get(user_id)
        return copy.deepcopy(user) if user is not None else None

    def get_by_email(self, email: str) -> User | None:
        for user in self._store.users.values():
            if user.email == email:
                return copy.deepcopy(user)
        return None

    def update(self, user: User) -> None:
        self._store.users[user.id] = copy.deepcopy(user)

    def audience_batch(
        self, post_id: PostId, rule: AudienceRule, *, after: UserId | None, limit: int
    ) -> Sequence[User]:
        def unsent(user: User) -> bool:
            row = self._store.deliveries.get((post_id, user.id))
            return row is None or row.state is not DeliveryState.SENT

        page = sorted(
            (
                u
                for u in self._store.users.values()
                if rule.matches(u) and unsent(u) and (after is None or u.id > after)
            ),
            key=lambda u: u.id,
        )
        return [copy.deepcopy(u) for u in page[:limit]]

    def count_audience(self, post_id: PostId, rule: AudienceRule) -> int:
        return len(self.audience_batch(post_id, rule, after=None, limit=len(self._store.users)))


class FakeDeliveryRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def claim(
        self,
        post_id: PostId,
        user_ids: Sequence[UserId],
        *,
        claimant: str,
        now: datetime,
        stale_before: datetime,
    ) -> set[UserId]:
        claimed = set()
        for user_id in user_ids:
            row = self._store.deliveries.get((post_id, user_id))
            if row is None:
                self._store.deliveries[(post_id, user_id)] = _DeliveryRow(
                    DeliveryState.PENDING, claimant, now, now
                )
            elif (
                row.state is DeliveryState.FAILED
                or (row.state is DeliveryState.PENDING and row.claimant == claimant)
                or (
                    row.state is DeliveryState.PENDING
                    and row.claimed_at is not None
                    and row.claimed_at < stale_before
                )
            ):
                row.state, row.claimant, row.claimed_at, row.updated_at = (
                    DeliveryState.PENDING,
                    claimant,
                    now,
                    now,
                )
                row.error = None
                row.attempts += 1
            else:
                continue
            claimed.add(user_id)
        return claimed

    def record(
        self, post_id: PostId, outcomes: Sequence[DeliveryOutcome], *, claimant: str, now: datetime
    ) -> None:
        for outcome in outcomes:
            row = self._store.deliveries.get((post_id, outcome.user_id))
            if row is None or row.claimant != claimant or row.state is DeliveryState.SENT:
                continue
            row.state, row.error, row.updated_at = outcome.state, outcome.error, now

    def count_by_state(self, post_id: PostId) -> Mapping[DeliveryState, int]:
        counts: dict[DeliveryState, int] = {}
        for (pid, _), row in self._store.deliveries.items():
            if pid == post_id:
                counts[row.state] = counts.get(row.state, 0) + 1
        return counts

    def list_failed(self, post_id: PostId, *, limit: int) -> Sequence[Delivery]:
        failed = [
            Delivery(
                post_id=pid,
                user_id=uid,
                state=row.state,
                updated_at=row.updated_at,
                error=row.error,
                attempts=row.attempts,
                email=self._store.users[uid].email,
            )
            for (pid, uid), row in self._store.deliveries.items()
            if pid == post_id and row.state is DeliveryState.FAILED
        ]
        return sorted(failed, key=lambda d: d.updated_at)[:limit]

    def fail_pending(self, post_id: PostId, *, error: str, now: datetime) -> int:
        count = 0
        for (pid, _), row in self._store.deliveries.items():
            if pid == post_id and row.state is DeliveryState.PENDING:
                row.state, row.error, row.updated_at = DeliveryState.FAILED, error, now
                count += 1
        return count

    def page(self, post_id: PostId, *, after: UserId | None, limit: int) -> Sequence[Delivery]:
        mine = sorted(
            (uid, row)
            for (pid, uid), row in self._store.deliveries.items()
            if pid == post_id and (after is None or uid > after)
        )
        return [
            Delivery(
                post_id=post_id,
                user_id=uid,
                state=row.state,
                updated_at=row.updated_at,
                error=row.error,
                attempts=row.attempts,
                email=self._store.users[uid].email,
            )
            for uid, row in mine[:limit]
        ]

    def state_of(self, post_id: PostId, user_id: UserId) -> DeliveryState | None:
        row = self._store.deliveries.get((post_id, user_id))
        return row.state if row else None


class FakeApiTokenRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, token: ApiToken) -> None:
        self._store.api_tokens[token.id] = copy.deepcopy(token)

    def get(self, token_id: uuid.UUID) -> ApiToken | None:
        token = self._store.api_tokens.get(token_id)
        return copy.deepcopy(token) if token is not None else None

    def get_by_hash(self, token_hash: str) -> ApiToken | None:
        for token in self._store.api_tokens.values():
            if token.token_hash == token_hash:
                return copy.deepcopy(token)
        return None

    def list_for_user(self, user_id: UserId) -> Sequence[ApiToken]:
        mine = [t for t in self._store.api_tokens.values() if t.user_id == user_id]
        return [copy.deepcopy(t) for t in sorted(mine, key=lambda t: t.created_at)]

    def update(self, token: ApiToken) -> None:
        self._store.api_tokens[token.id] = copy.deepcopy(token)


class FakeReportRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, report: Report) -> None:
        self._store.reports[report.id] = copy.deepcopy(report)

    def get(self, report_id: ReportId) -> Report | None:
        report = self._store.reports.get(report_id)
        return copy.deepcopy(report) if report is not None else None

    def update(self, report: Report) -> None:
        self._store.reports[report.id] = copy.deepcopy(report)

    def store_content(self, report_id: ReportId, content: str) -> None:
        self._store.report_contents[report_id] = content

    def content(self, report_id: ReportId) -> str | None:
        return self._store.report_contents.get(report_id)


class FakeFailedDispatchRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, failure: FailedDispatch) -> None:
        self._store.failed_dispatches[failure.id] = failure

    def get(self, failure_id: uuid.UUID) -> FailedDispatch | None:
        return self._store.failed_dispatches.get(failure_id)

    def list_unresolved(self, *, limit: int) -> Sequence[FailedDispatch]:
        pending = [f for f in self._store.failed_dispatches.values() if not f.is_resolved]
        return sorted(pending, key=lambda f: f.failed_at)[:limit]

    def update(self, failure: FailedDispatch) -> None:
        self._store.failed_dispatches[failure.id] = failure


class FakeUnitOfWork:
    """Works on a copy of the store; ``commit()`` makes the copy the store."""

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store or FakeStore()
        self.commits = 0
        self._working: FakeStore | None = None

    def __enter__(self) -> FakeUnitOfWork:
        self._working = copy.deepcopy(self.store)
        self.posts = FakePostRepository(self._working)
        self.users = FakeUserRepository(self._working)
        self.deliveries = FakeDeliveryRepository(self._working)
        self.api_tokens = FakeApiTokenRepository(self._working)
        self.failed_dispatches = FakeFailedDispatchRepository(self._working)
        self.reports = FakeReportRepository(self._working)
        self.editor_passwords = FakeEditorPasswordRepository(self._working.editor_passwords)
        self.editor_sessions = FakeEditorSessionRepository(self._working.editor_sessions)
        self.subscribers = FakeSubscriberDirectory(self._working.users)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._working = None

    def commit(self) -> None:
        assert self._working is not None, "commit outside of a unit of work"
        self.store = copy.deepcopy(self._working)
        self.commits += 1

    def rollback(self) -> None:
        if self._working is not None:
            self.__enter__()


class FakeMailer:
    """Records what it sends. ``reject`` refuses addresses for good; ``defer_sessions``
    makes the n-th session (0-based) defer every message; ``unavailable_sessions`` makes
    the n-th session find the server unavailable."""

    def __init__(
        self,
        *,
        reject: Mapping[str, str] | None = None,
        defer_sessions: set[int] | None = None,
        unavailable_sessions: set[int] | None = None,
    ) -> None:
        self.reject = dict(reject or {})
        self.defer_sessions = set(defer_sessions or ())
        self.unavailable_sessions = set(unavailable_sessions or ())
        self.sent: list[EmailMessage] = []
        self.sessions = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def session(self) -> Iterator[MailSession]:
        with self._lock:
            number, self.sessions = self.sessions, self.sessions + 1
        yield _FakeMailSession(self, number)

    def deliver(self, message: EmailMessage, session: int) -> SendResult:
        if session in self.unavailable_sessions:
            raise MailTransportUnavailable("mail server unreachable")
        if session in self.defer_sessions:
            return SendResult(SendStatus.DEFERRED, "451 try again later", code=451)
        if message.to in self.reject:
            return SendResult(SendStatus.REJECTED, self.reject[message.to], code=550)
        with self._lock:
            self.sent.append(message)
        return SendResult(SendStatus.SENT)

    @property
    def recipients(self) -> list[str]:
        return [message.to for message in self.sent]


@attrs.frozen
class _FakeMailSession:
    mailer: FakeMailer
    number: int

    def send(self, message: EmailMessage) -> SendResult:
        return self.mailer.deliver(message, self.number)


class FakeRenderer:
    def post_notification(self, post: Post, user: User) -> EmailMessage:
        return EmailMessage(to=user.email, subject=f"New post: {post.title}", text=post.body)

    def subscription_confirmation(self, user: User) -> EmailMessage:
        return EmailMessage(to=user.email, subject="Confirm", text=f"/subscribe/confirm/{user.id}")

    def report_ready(self, report: Report, post: Post, user: User) -> EmailMessage:
        return EmailMessage(
            to=user.email, subject=f"Report ready: {post.title}", text=f"/api/reports/{report.id}"
        )


@attrs.frozen
class ErrorReport:
    error: BaseException
    fingerprint: tuple[str, ...]
    tags: Mapping[str, str]
    contexts: Mapping[str, Mapping[str, object]]


class FakeErrorReporter:
    def __init__(self) -> None:
        self.reports: list[ErrorReport] = []

    def report(
        self,
        error: BaseException,
        *,
        fingerprint: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        contexts: Mapping[str, Mapping[str, object]] | None = None,
    ) -> None:
        self.reports.append(
            ErrorReport(error, tuple(fingerprint), dict(tags or {}), dict(contexts or {}))
        )


class RecordingEventSender:
    """A stand-in transport for the Inngest client's ``send_sync``."""

    def __init__(self, fail_with: Callable[[], BaseException] | None = None) -> None:
        self.events: list[Any] = []
        self.fail_with = fail_with

    def __call__(self, events: list[Any]) -> list[str]:
        if self.fail_with is not None:
            raise self.fail_with()
        self.events.extend(events)
        return [event.id for event in events]


class FakeUserTokens:
    """Readable tokens (``unsubscribe:<user id>``); anything else does not verify."""

    def issue(self, user_id: UserId) -> str:
        return f"unsubscribe:{user_id}"

    def verify(self, token: str) -> UserId | None:
        prefix, _, raw = token.partition(":")
        try:
            return UserId(uuid.UUID(raw)) if prefix == "unsubscribe" else None
        except ValueError:
            return None
