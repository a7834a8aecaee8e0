"""SqlAlchemyUnitOfWork: one Session, one transaction, per ``with`` block."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from oolvay.adapters.sqlalchemy.accounts import (
    SqlAlchemyEditorPasswordRepository,
    SqlAlchemyEditorSessionRepository,
    SqlAlchemySubscriberDirectory,
)
from oolvay.adapters.sqlalchemy.bounces import SqlAlchemyBounceEventRepository
from oolvay.adapters.sqlalchemy.delivery_reads import SqlAlchemyDeliveryRepository
from oolvay.adapters.sqlalchemy.repositories import (
    SqlAlchemyApiTokenRepository,
    SqlAlchemyFailedDispatchRepository,
    SqlAlchemyPostRepository,
    SqlAlchemyReportRepository,
    SqlAlchemyUserRepository,
)
from oolvay.adapters.sqlalchemy.sends import SqlAlchemySendRepository


class SqlAlchemyUnitOfWork:
    """``with uow:`` opens a Session; leaving without ``commit()`` rolls back.

    Enter it again for the next transaction. Not shared between threads or requests:
    the composition root makes one per use case."""

    posts: SqlAlchemyPostRepository
    users: SqlAlchemyUserRepository
    sends: SqlAlchemySendRepository
    deliveries: SqlAlchemyDeliveryRepository
    api_tokens: SqlAlchemyApiTokenRepository
    failed_dispatches: SqlAlchemyFailedDispatchRepository
    reports: SqlAlchemyReportRepository
    bounce_events: SqlAlchemyBounceEventRepository
    editor_passwords: SqlAlchemyEditorPasswordRepository
    editor_sessions: SqlAlchemyEditorSessionRepository
    subscribers: SqlAlchemySubscriberDirectory

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        session = self._session = self._session_factory()
        self.posts = SqlAlchemyPostRepository(session)
        self.users = SqlAlchemyUserRepository(session)
        self.sends = SqlAlchemySendRepository(session)
        self.deliveries = SqlAlchemyDeliveryRepository(session)
        self.api_tokens = SqlAlchemyApiTokenRepository(session)
        self.failed_dispatches = SqlAlchemyFailedDispatchRepository(session)
        self.reports = SqlAlchemyReportRepository(session)
        self.bounce_events = SqlAlchemyBounceEventRepository(session)
        self.editor_passwords = SqlAlchemyEditorPasswordRepository(session)
        self.editor_sessions = SqlAlchemyEditorSessionRepository(session)
        self.subscribers = SqlAlchemySubscriberDirectory(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is not None:
            try:
                session.rollback()
            finally:
                session.close()

    def commit(self) -> None:
        self._open().commit()

    def _open(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open: use `with uow:`")
        return self._session
