"""Repositories of editors' passwords and sessions, and the subscriber list's queries."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from oolvay.adapters.sqlalchemy.mapping import (
    editor_session_from_row,
    editor_session_values,
    user_from_row,
)
from oolvay.adapters.sqlalchemy.statements import execute_dml, insert_into
from oolvay.adapters.sqlalchemy.tables import editor_passwords, editor_sessions, users
from oolvay.domain.credentials import EditorSession
from oolvay.domain.ids import UserId
from oolvay.domain.users import Standing, User


class SqlAlchemyEditorPasswordRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, user_id: UserId) -> str | None:
        query = sa.select(editor_passwords.c.password_hash).where(
            editor_passwords.c.user_id == user_id
        )
        return self._session.execute(query).scalar_one_or_none()

    def set(self, user_id: UserId, password_hash: str, *, now: datetime) -> None:
        statement = insert_into(self._session, editor_passwords).values(
            user_id=user_id, password_hash=password_hash, updated_at=now
        )
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[editor_passwords.c.user_id],
                set_={"password_hash": password_hash, "updated_at": now},
            )
        )


class SqlAlchemyEditorSessionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, session: EditorSession) -> None:
        self._session.execute(sa.insert(editor_sessions).values(editor_session_values(session)))

    def get_by_hash(self, token_hash: str) -> EditorSession | None:
        query = sa.select(editor_sessions).where(editor_sessions.c.token_hash == token_hash)
        row = self._session.execute(query).first()
        return editor_session_from_row(row) if row is not None else None

    def update(self, session: EditorSession) -> None:
        self._session.execute(
            sa.update(editor_sessions)
            .where(editor_sessions.c.id == session.id)
            .values(last_seen_at=session.last_seen_at, expires_at=session.expires_at)
        )

    def delete(self, session_id: uuid.UUID) -> None:
        self._session.execute(sa.delete(editor_sessions).where(editor_sessions.c.id == session_id))

    def delete_for_user(self, user_id: UserId) -> int:
        statement = sa.delete(editor_sessions).where(editor_sessions.c.user_id == user_id)
        return execute_dml(self._session, statement).rowcount

    def delete_expired(self, now: datetime) -> int:
        statement = sa.delete(editor_sessions).where(editor_sessions.c.expires_at <= now)
        return execute_dml(self._session, statement).rowcount


def standing_is(standing: Standing) -> sa.ColumnElement[bool]:
    """The SQL form of ``User.standing``; a test checks the two agree."""
    suppressed = sa.or_(users.c.active.is_(False), users.c.bounced.is_(True))
    conditions = {
        Standing.SUPPRESSED: suppressed,
        Standing.UNCONFIRMED: sa.and_(~suppressed, users.c.email_verified.is_(False)),
        Standing.UNSUBSCRIBED: sa.and_(
            ~suppressed, users.c.email_verified.is_(True), users.c.wants_post_emails.is_(False)
        ),
        Standing.RECEIVING: sa.and_(
            ~suppressed, users.c.email_verified.is_(True), users.c.wants_post_emails.is_(True)
        ),
    }
    return conditions[standing]


def _matching(text: str, standing: Standing | None) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if text:
        # The user's text is a value, never a pattern: % and _ match themselves.
        escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(sa.func.lower(users.c.email).like(f"%{escaped}%", escape="\\"))
    if standing is not None:
        conditions.append(standing_is(standing))
    return conditions


class SqlAlchemySubscriberDirectory:
    def __init__(self, session: Session) -> None:
        self._session = session

    def search(
        self, *, text: str, standing: Standing | None, limit: int, offset: int
    ) -> Sequence[User]:
        query = (
            sa.select(users)
            .where(*_matching(text, standing))
            .order_by(users.c.created_at.desc(), users.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [user_from_row(row) for row in self._session.execute(query)]

    def count(self, *, text: str, standing: Standing | None) -> int:
        query = sa.select(sa.func.count()).select_from(users).where(*_matching(text, standing))
        return self._session.execute(query).scalar_one()

    def count_by_standing(self) -> Mapping[Standing, int]:
        columns = [
            sa.func.count().filter(standing_is(standing)).label(standing.value)
            for standing in Standing
        ]
        row = self._session.execute(sa.select(*columns).select_from(users)).one()
        return {standing: int(row._mapping[standing.value]) for standing in Standing}
