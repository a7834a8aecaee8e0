"""Repositories over SQLAlchemy Core. They run statements in the unit of work's Session
and never commit: the unit of work owns the transaction."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from oolvay.adapters.sqlalchemy.mapping import (
    api_token_from_row,
    api_token_values,
    failed_dispatch_from_row,
    failed_dispatch_values,
    post_from_row,
    post_values,
    report_from_row,
    report_values,
    user_from_row,
    user_values,
)
from oolvay.adapters.sqlalchemy.statements import audience, execute_dml, insert_into
from oolvay.adapters.sqlalchemy.tables import (
    api_tokens,
    failed_dispatches,
    posts,
    report_contents,
    reports,
    users,
)
from oolvay.application.ports import FailedDispatch
from oolvay.domain.errors import ConcurrentUpdate
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post, PostStatus
from oolvay.domain.reports import Report, ReportId
from oolvay.domain.tokens import ApiToken
from oolvay.domain.users import AudienceRule, User, email_key

T = TypeVar("T")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class SqlAlchemyPostRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, post: Post) -> None:
        self._session.execute(sa.insert(posts).values(post_values(post)))

    def get(self, post_id: PostId) -> Post | None:
        row = self._session.execute(sa.select(posts).where(posts.c.id == post_id)).first()
        return post_from_row(row) if row is not None else None

    def update(self, post: Post) -> None:
        values = post_values(post) | {"version": post.version + 1}
        result = execute_dml(
            self._session,
            sa.update(posts)
            .where(posts.c.id == post.id, posts.c.version == post.version)
            .values(values),
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate(f"post {post.id} changed since it was read")
        post.version += 1

    def delete(self, post_id: PostId) -> None:
        # Delivery records go with the post (ON DELETE CASCADE).
        self._session.execute(sa.delete(posts).where(posts.c.id == post_id))

    def list(self, *, status: PostStatus | None, limit: int, offset: int) -> Sequence[Post]:
        query = (
            sa.select(posts)
            .where(*_status_is(status))
            .order_by(posts.c.created_at.desc(), posts.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [post_from_row(row) for row in self._session.execute(query)]

    def count(self, *, status: PostStatus | None) -> int:
        query = sa.select(sa.func.count()).select_from(posts).where(*_status_is(status))
        return self._session.execute(query).scalar_one()

    def ids_with_prefix(self, prefix: bytes) -> Sequence[PostId]:
        # Both databases order UUIDs by their bytes (SQLite stores them as hex text), so
        # the ids with a prefix are one range of the primary key.
        rest = 16 - len(prefix)
        low, high = uuid.UUID(bytes=prefix + b"\0" * rest), uuid.UUID(bytes=prefix + b"\xff" * rest)
        query = sa.select(posts.c.id).where(posts.c.id.between(low, high))
        return [PostId(post_id) for post_id in self._session.scalars(query)]


def _status_is(status: PostStatus | None) -> list[sa.ColumnElement[bool]]:
    return [] if status is None else [posts.c.status == status.value]


class SqlAlchemyUserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: User) -> None:
        self._session.execute(sa.insert(users).values(user_values(user)))

    def add_many(self, new_users: Iterable[User]) -> int:
        statement = (
            insert_into(self._session, users)
            .on_conflict_do_nothing(index_elements=[users.c.email_key])
            .returning(users.c.id)
        )
        inserted = 0
        for chunk in _chunks(new_users, 1000):
            rows = [user_values(user) for user in chunk]
            inserted += len(self._session.scalars(statement, rows).all())
        return inserted

    def get(self, user_id: UserId) -> User | None:
        return self._one(users.c.id == user_id)

    def get_by_email(self, email: str) -> User | None:
        return self._one(users.c.email_key == email_key(email))

    def update(self, user: User) -> None:
        self._session.execute(
            sa.update(users).where(users.c.id == user.id).values(user_values(user))
        )

    def list_editors(self) -> Sequence[User]:
        query = sa.select(users).where(users.c.is_editor).order_by(users.c.email)
        return [user_from_row(row) for row in self._session.execute(query)]

    def list_suppressed(self, *, limit: int, offset: int = 0) -> Sequence[User]:
        query = (
            sa.select(users)
            .where(users.c.bounced.is_(True))
            .order_by(users.c.email_key)
            .limit(limit)
            .offset(offset)
        )
        return [user_from_row(row) for row in self._session.execute(query)]

    def count_audience(self, rule: AudienceRule) -> int:
        query = sa.select(sa.func.count()).select_from(users).where(*audience(rule))
        return self._session.execute(query).scalar_one()

    def _one(self, condition: sa.ColumnElement[bool]) -> User | None:
        row = self._session.execute(sa.select(users).where(condition)).first()
        return user_from_row(row) if row is not None else None


class SqlAlchemyApiTokenRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, token: ApiToken) -> None:
        self._session.execute(sa.insert(api_tokens).values(api_token_values(token)))

    def get(self, token_id: uuid.UUID) -> ApiToken | None:
        return self._one(api_tokens.c.id == token_id)

    def get_by_hash(self, token_hash: str) -> ApiToken | None:
        return self._one(api_tokens.c.token_hash == token_hash)

    def list_for_user(self, user_id: UserId) -> Sequence[ApiToken]:
        query = (
            sa.select(api_tokens)
            .where(api_tokens.c.user_id == user_id)
            .order_by(api_tokens.c.created_at, api_tokens.c.id)
        )
        return [api_token_from_row(row) for row in self._session.execute(query)]

    def update(self, token: ApiToken) -> None:
        self._session.execute(
            sa.update(api_tokens).where(api_tokens.c.id == token.id).values(api_token_values(token))
        )

    def _one(self, condition: sa.ColumnElement[bool]) -> ApiToken | None:
        row = self._session.execute(sa.select(api_tokens).where(condition)).first()
        return api_token_from_row(row) if row is not None else None


class SqlAlchemyFailedDispatchRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, failure: FailedDispatch) -> None:
        self._session.execute(sa.insert(failed_dispatches).values(failed_dispatch_values(failure)))

    def get(self, failure_id: uuid.UUID) -> FailedDispatch | None:
        query = sa.select(failed_dispatches).where(failed_dispatches.c.id == failure_id)
        row = self._session.execute(query).first()
        return failed_dispatch_from_row(row) if row is not None else None

    def list_unresolved(self, *, limit: int) -> Sequence[FailedDispatch]:
        query = (
            sa.select(failed_dispatches)
            .where(failed_dispatches.c.resolved_at.is_(None))
            .order_by(failed_dispatches.c.failed_at, failed_dispatches.c.id)
            .limit(limit)
        )
        return [failed_dispatch_from_row(row) for row in self._session.execute(query)]

    def update(self, failure: FailedDispatch) -> None:
        self._session.execute(
            sa.update(failed_dispatches)
            .where(failed_dispatches.c.id == failure.id)
            .values(failed_dispatch_values(failure))
        )


class SqlAlchemyReportRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, report: Report) -> None:
        self._session.execute(sa.insert(reports).values(report_values(report)))

    def get(self, report_id: ReportId) -> Report | None:
        row = self._session.execute(sa.select(reports).where(reports.c.id == report_id)).first()
        return report_from_row(row) if row is not None else None

    def update(self, report: Report) -> None:
        self._session.execute(
            sa.update(reports).where(reports.c.id == report.id).values(report_values(report))
        )

    def store_content(self, report_id: ReportId, content: str) -> None:
        self._session.execute(
            sa.delete(report_contents).where(report_contents.c.report_id == report_id)
        )
        self._session.execute(
            sa.insert(report_contents).values(report_id=report_id, content=content)
        )

    def content(self, report_id: ReportId) -> str | None:
        query = sa.select(report_contents.c.content).where(report_contents.c.report_id == report_id)
        return self._session.execute(query).scalar_one_or_none()
