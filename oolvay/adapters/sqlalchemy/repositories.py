"""Repositories over SQLAlchemy Core. They run statements in the unit of work's Session
and never commit: the unit of work owns the transaction."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from oolvay.adapters.sqlalchemy.mapping import (
    api_token_from_row,
    api_token_values,
    delivery_from_row,
    failed_dispatch_from_row,
    failed_dispatch_values,
    post_from_row,
    post_values,
    report_from_row,
    report_values,
    user_from_row,
    user_values,
)
from oolvay.adapters.sqlalchemy.tables import (
    api_tokens,
    deliveries,
    failed_dispatches,
    posts,
    report_contents,
    reports,
    users,
)
from oolvay.application.ports import FailedDispatch
from oolvay.domain.deliveries import Delivery, DeliveryOutcome, DeliveryState
from oolvay.domain.errors import ConcurrentUpdate
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post, PostStatus
from oolvay.domain.reports import Report, ReportId
from oolvay.domain.tokens import ApiToken
from oolvay.domain.users import AudienceRule, User

T = TypeVar("T")


def _insert_into(session: Session, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with the dialect's ON CONFLICT clauses."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _execute_dml(session: Session, statement: sa.Executable) -> CursorResult[Any]:
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return result


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
        result = _execute_dml(
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


def _status_is(status: PostStatus | None) -> list[sa.ColumnElement[bool]]:
    return [] if status is None else [posts.c.status == status.value]


class SqlAlchemyUserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: User) -> None:
        self._session.execute(sa.insert(users).values(user_values(user)))

    def add_many(self, new_users: Iterable[User]) -> int:
        statement = (
            _insert_into(self._session, users)
            .on_conflict_do_nothing(index_elements=[users.c.email])
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
        return self._one(users.c.email == email)

    def update(self, user: User) -> None:
        self._session.execute(
            sa.update(users).where(users.c.id == user.id).values(user_values(user))
        )

    def list_editors(self) -> Sequence[User]:
        query = sa.select(users).where(users.c.is_editor).order_by(users.c.email)
        return [user_from_row(row) for row in self._session.execute(query)]

    def audience_batch(
        self, post_id: PostId, rule: AudienceRule, *, after: UserId | None, limit: int
    ) -> Sequence[User]:
        query = audience_query(post_id, rule, after=after, limit=limit)
        return [user_from_row(row) for row in self._session.execute(query)]

    def count_audience(self, post_id: PostId, rule: AudienceRule) -> int:
        page = audience_query(post_id, rule, after=None, limit=None).with_only_columns(users.c.id)
        query = sa.select(sa.func.count()).select_from(page.order_by(None).subquery())
        return self._session.execute(query).scalar_one()

    def _one(self, condition: sa.ColumnElement[bool]) -> User | None:
        row = self._session.execute(sa.select(users).where(condition)).first()
        return user_from_row(row) if row is not None else None


def audience_query(
    post_id: PostId, rule: AudienceRule, *, after: UserId | None, limit: int | None
) -> sa.Select[Any]:
    """One keyset page of the audience: users matching ``rule`` (its requirements become
    the WHERE clause, so the rule is stated once) with no SENT delivery for the post."""
    already_sent = sa.exists().where(
        deliveries.c.post_id == post_id,
        deliveries.c.user_id == users.c.id,
        deliveries.c.state == DeliveryState.SENT.value,
    )
    query = sa.select(users).where(*_requirements(rule)).order_by(users.c.id).limit(limit)
    if after is not None:
        query = query.where(users.c.id > after)
        # Implied by the correlation, but stated so that PostgreSQL's anti-join starts
        # its scan of the post's deliveries at the cursor, not at the first one.
        already_sent = already_sent.where(deliveries.c.user_id > after)
    return query.where(~already_sent)


def _requirements(rule: AudienceRule) -> Iterator[sa.ColumnElement[bool]]:
    for name, wanted in rule.requirements.items():
        if name not in users.c:
            raise ValueError(f"audience rule names {name!r}, which is not a users column")
        yield users.c[name] == sa.literal(wanted)


class SqlAlchemyDeliveryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def claim(
        self,
        post_id: PostId,
        user_ids: Sequence[UserId],
        *,
        claimant: str,
        now: datetime,
        stale_before: datetime,
    ) -> set[UserId]:
        if not user_ids:
            return set()
        pending = DeliveryState.PENDING.value
        statement = _insert_into(self._session, deliveries)
        # Claimable: FAILED, or PENDING for this run (a retry) or for a run that died.
        claimable = sa.or_(
            deliveries.c.state == DeliveryState.FAILED.value,
            sa.and_(
                deliveries.c.state == pending,
                sa.or_(
                    deliveries.c.claimant == statement.excluded.claimant,
                    deliveries.c.claimed_at < stale_before,
                ),
            ),
        )
        upsert = statement.on_conflict_do_update(
            index_elements=[deliveries.c.post_id, deliveries.c.user_id],
            set_={
                "state": pending,
                "claimant": statement.excluded.claimant,
                "claimed_at": statement.excluded.claimed_at,
                "updated_at": statement.excluded.updated_at,
                "error": sa.null(),
                "attempts": deliveries.c.attempts + 1,
            },
            where=claimable,
        ).returning(deliveries.c.user_id)
        rows = [
            {
                "post_id": post_id,
                "user_id": user_id,
                "state": pending,
                "claimant": claimant,
                "claimed_at": now,
                "updated_at": now,
                "attempts": 1,
            }
            # A repeated id would make PostgreSQL refuse to update one row twice.
            for user_id in dict.fromkeys(user_ids)
        ]
        # executemany with RETURNING: SQLAlchemy sends one multi-row INSERT per 1,000 rows
        # ("insertmanyvalues"), compiled once. It falls back to one INSERT per row if a
        # SET value is a bound parameter that could differ per row: hence sa.null() for error.
        return {UserId(user_id) for user_id in self._session.scalars(upsert, rows)}

    def record(
        self, post_id: PostId, outcomes: Sequence[DeliveryOutcome], *, claimant: str, now: datetime
    ) -> None:
        if not outcomes:
            return
        # One executemany for the batch; a record only lands where this run holds the claim.
        statement = (
            sa.update(deliveries)
            .where(
                deliveries.c.post_id == sa.bindparam("b_post_id"),
                deliveries.c.user_id == sa.bindparam("b_user_id"),
                deliveries.c.claimant == sa.bindparam("b_claimant"),
                deliveries.c.state != DeliveryState.SENT.value,
            )
            .values(
                state=sa.bindparam("b_state"),
                error=sa.bindparam("b_error"),
                updated_at=sa.bindparam("b_now"),
            )
        )
        self._session.execute(
            statement,
            [
                {
                    "b_post_id": post_id,
                    "b_user_id": outcome.user_id,
                    "b_claimant": claimant,
                    "b_state": outcome.state.value,
                    "b_error": outcome.error,
                    "b_now": now,
                }
                for outcome in outcomes
            ],
        )

    def count_by_state(self, post_id: PostId) -> Mapping[DeliveryState, int]:
        query = (
            sa.select(deliveries.c.state, sa.func.count())
            .where(deliveries.c.post_id == post_id)
            .group_by(deliveries.c.state)
        )
        return {DeliveryState(state): count for state, count in self._session.execute(query)}

    def list_failed(self, post_id: PostId, *, limit: int) -> Sequence[Delivery]:
        query = (
            sa.select(deliveries, users.c.email)
            .join(users, users.c.id == deliveries.c.user_id)
            .where(
                deliveries.c.post_id == post_id,
                deliveries.c.state == DeliveryState.FAILED.value,
            )
            .order_by(deliveries.c.updated_at, deliveries.c.user_id)
            .limit(limit)
        )
        return [delivery_from_row(row) for row in self._session.execute(query)]

    def page(self, post_id: PostId, *, after: UserId | None, limit: int) -> Sequence[Delivery]:
        query = (
            sa.select(deliveries, users.c.email)
            .join(users, users.c.id == deliveries.c.user_id)
            .where(deliveries.c.post_id == post_id)
            .order_by(deliveries.c.user_id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(deliveries.c.user_id > after)
        return [delivery_from_row(row) for row in self._session.execute(query)]

    def fail_pending(self, post_id: PostId, *, error: str, now: datetime) -> int:
        result = _execute_dml(
            self._session,
            sa.update(deliveries)
            .where(
                deliveries.c.post_id == post_id,
                deliveries.c.state == DeliveryState.PENDING.value,
            )
            .values(state=DeliveryState.FAILED.value, error=error, updated_at=now),
        )
        return result.rowcount


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
