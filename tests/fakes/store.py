"""The in-memory 'database' of the fakes, and its unit of work."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

import attrs

from oolvay.application.ports import FailedDispatch
from oolvay.domain.bounces import BounceEvent, BounceKind
from oolvay.domain.credentials import EditorSession
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post
from oolvay.domain.reports import Report, ReportId
from oolvay.domain.sends import Send
from oolvay.domain.tokens import ApiToken
from oolvay.domain.users import User

if TYPE_CHECKING:
    from tests.fakes.accounts import (
        FakeEditorPasswordRepository,
        FakeEditorSessionRepository,
        FakeSubscriberDirectory,
    )
    from tests.fakes.repositories import (
        FakeApiTokenRepository,
        FakeBounceEventRepository,
        FakeFailedDispatchRepository,
        FakePostRepository,
        FakeReportRepository,
        FakeUserRepository,
    )
    from tests.fakes.sending import FakeDeliveryRepository, FakeSendRepository


@attrs.frozen
class DeliveryRow:
    state: DeliveryState
    round: int
    batch: int
    updated_at: datetime
    error: str | None = None
    retriable: bool = False
    attempts: int = 0
    claimant: str | None = None
    claimed_at: datetime | None = None


@attrs.frozen
class LeaseRow:
    post_id: PostId
    round: int
    batch: int
    holder: str
    created_at: datetime
    heartbeat_at: datetime
    in_flight: UserId | None = None


@attrs.define
class FakeStore:
    """The tables. Rows are immutable values or private copies, so a transaction can work
    on shallow copies of the tables and commit by swapping them in."""

    posts: dict[PostId, Post] = attrs.Factory(dict)
    users: dict[UserId, User] = attrs.Factory(dict)
    sends: dict[PostId, Send] = attrs.Factory(dict)
    deliveries: dict[tuple[PostId, UserId], DeliveryRow] = attrs.Factory(dict)
    leases: dict[str, LeaseRow] = attrs.Factory(dict)
    failed_dispatches: dict[uuid.UUID, FailedDispatch] = attrs.Factory(dict)
    api_tokens: dict[uuid.UUID, ApiToken] = attrs.Factory(dict)
    reports: dict[ReportId, Report] = attrs.Factory(dict)
    report_contents: dict[ReportId, str] = attrs.Factory(dict)
    bounce_events: dict[tuple[UserId, PostId, BounceKind], BounceEvent] = attrs.Factory(dict)
    editor_passwords: dict[UserId, str] = attrs.Factory(dict)
    editor_sessions: dict[uuid.UUID, EditorSession] = attrs.Factory(dict)
    lock: threading.RLock = attrs.field(factory=threading.RLock, eq=False, repr=False)
    """Held by a transaction from ``with uow:`` to its end: transactions run one at a time,
    as SQLite's do."""

    def tables(self) -> dict[str, dict[Any, Any]]:
        return {
            field.name: getattr(self, field.name)
            for field in attrs.fields(FakeStore)
            if field.name != "lock"
        }

    def working_copy(self) -> FakeStore:
        copy = FakeStore()
        copy.take_tables({name: dict(table) for name, table in self.tables().items()})
        return copy

    def take_tables(self, tables: dict[str, dict[Any, Any]]) -> None:
        for name, table in tables.items():
            setattr(self, name, table)

    def take(self, working: FakeStore) -> None:
        self.take_tables(working.tables())


class _Transaction:
    def __init__(self, working: FakeStore) -> None:
        from tests.fakes.accounts import (
            FakeEditorPasswordRepository,
            FakeEditorSessionRepository,
            FakeSubscriberDirectory,
        )
        from tests.fakes.repositories import (
            FakeApiTokenRepository,
            FakeBounceEventRepository,
            FakeFailedDispatchRepository,
            FakePostRepository,
            FakeReportRepository,
            FakeUserRepository,
        )
        from tests.fakes.sending import FakeDeliveryRepository, FakeSendRepository

        self.working = working
        self.posts = FakePostRepository(working)
        self.users = FakeUserRepository(working)
        self.sends = FakeSendRepository(working)
        self.deliveries = FakeDeliveryRepository(working)
        self.api_tokens = FakeApiTokenRepository(working)
        self.failed_dispatches = FakeFailedDispatchRepository(working)
        self.reports = FakeReportRepository(working)
        self.bounce_events = FakeBounceEventRepository(working)
        self.editor_passwords = FakeEditorPasswordRepository(working.editor_passwords)
        self.editor_sessions = FakeEditorSessionRepository(working.editor_sessions)
        self.subscribers = FakeSubscriberDirectory(working.users)


class FakeUnitOfWork:
    """Works on a copy of the store; ``commit()`` makes the copy the store. One object may be
    entered by several threads at once (each gets its own transaction, run one at a time),
    so a container can hand the same fake to every use case and batch."""

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store or FakeStore()
        self.commits = 0
        self._local = threading.local()

    def __enter__(self) -> FakeUnitOfWork:
        if getattr(self._local, "transaction", None) is not None:
            raise RuntimeError("this unit of work is already open")
        self.store.lock.acquire()
        self._local.transaction = _Transaction(self.store.working_copy())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if getattr(self._local, "transaction", None) is not None:
            self._local.transaction = None
            self.store.lock.release()

    def commit(self) -> None:
        self.store.take(self._open().working)
        self.commits += 1
        self._local.transaction = _Transaction(self.store.working_copy())

    def _open(self) -> _Transaction:
        transaction: _Transaction | None = getattr(self._local, "transaction", None)
        assert transaction is not None, "the unit of work is not open: use `with uow:`"
        return transaction

    @property
    def posts(self) -> FakePostRepository:
        return self._open().posts

    @property
    def users(self) -> FakeUserRepository:
        return self._open().users

    @property
    def sends(self) -> FakeSendRepository:
        return self._open().sends

    @property
    def deliveries(self) -> FakeDeliveryRepository:
        return self._open().deliveries

    @property
    def api_tokens(self) -> FakeApiTokenRepository:
        return self._open().api_tokens

    @property
    def failed_dispatches(self) -> FakeFailedDispatchRepository:
        return self._open().failed_dispatches

    @property
    def reports(self) -> FakeReportRepository:
        return self._open().reports

    @property
    def bounce_events(self) -> FakeBounceEventRepository:
        return self._open().bounce_events

    @property
    def editor_passwords(self) -> FakeEditorPasswordRepository:
        return self._open().editor_passwords

    @property
    def editor_sessions(self) -> FakeEditorSessionRepository:
        return self._open().editor_sessions

    @property
    def subscribers(self) -> FakeSubscriberDirectory:
        return self._open().subscribers
