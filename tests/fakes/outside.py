"""Fakes for the ports to the outside world: time, the job queue, mail, Sentry, Inngest."""

from __future__ import annotations

import contextlib
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from oolvay.application.jobs import Job, JobHandler, JobResult
from oolvay.application.ports import (
    Dispatch,
    DispatchStatus,
    EmailMessage,
    MailSession,
    MailTransportUnavailable,
    ReturnPathClaim,
    SendResult,
    SendStatus,
)
from oolvay.domain.errors import InvalidEmailAddress
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post
from oolvay.domain.reports import Report
from oolvay.domain.users import User, parse_email_address


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def elapse(self, delay: timedelta) -> None:
        """``advance`` for a wait given as a timedelta (a retry's back-off)."""
        self.current += delay


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
        self.throttle: set[str] = set()
        """Addresses the server throttles at (once each), asking for ``throttle_wait``."""
        self.throttle_wait: float | None = 30.0
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
            return SendResult(SendStatus.DEFERRED, "450 4.2.1 mailbox busy", code=450)
        if message.to in self.throttle:
            self.throttle.discard(message.to)
            raise MailTransportUnavailable(
                "421 4.7.0 slow down", retry_after=self.throttle_wait, throttled=True
            )
        if message.to in self.reject:
            reply = self.reject[message.to]
            code = int(reply[:3]) if reply[:3].isdigit() else 550
            enhanced = reply.split()[1] if re.match(r"^\d{3} \d\.\d+\.\d+ ", reply) else None
            return SendResult(SendStatus.REJECTED, reply, code=code, enhanced_code=enhanced)
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


class FakeEmailAddresses:
    """The domain's own check, and the refusals a test asks for (``refuse``: address -> reason)."""

    def __init__(self, refuse: Mapping[str, str] | None = None) -> None:
        self.refuse = dict(refuse or {})

    def normalise(self, raw: str) -> str:
        if raw in self.refuse:
            raise InvalidEmailAddress(raw, self.refuse[raw])
        return parse_email_address(raw)


class FakeReturnPaths:
    """Readable return paths (``bounces+<user id>+<post id>@fake.example``): genuine when
    both ids are well formed and the post is the one the path was made for."""

    def address(self, user_id: UserId, post_id: PostId) -> str:
        return f"bounces+{user_id}+{post_id}@fake.example"

    def read(self, address: str) -> ReturnPathClaim | None:
        try:
            _, user, post = address.removesuffix("@fake.example").split("+")
            return ReturnPathClaim(UserId(uuid.UUID(user)), uuid.UUID(post).bytes[:8])
        except ValueError:
            return None

    def verify(self, address: str, post_id: PostId) -> UserId | None:
        claim = self.read(address)
        if claim is None or address != self.address(claim.user_id, post_id):
            return None
        return claim.user_id
