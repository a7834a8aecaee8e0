"""SqlAlchemyBounceEventRepository: bounces and complaints, one of each kind per recipient
and post (the unique constraint makes a report read twice count once)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from oolvay.adapters.sqlalchemy.mapping import bounce_event_from_row, bounce_event_values
from oolvay.adapters.sqlalchemy.tables import bounce_events
from oolvay.domain.bounces import BounceEvent, BounceKind
from oolvay.domain.ids import PostId, UserId

_SUPPRESSING = [kind.value for kind in BounceKind if kind.suppresses]


class SqlAlchemyBounceEventRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, event: BounceEvent) -> bool:
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(bounce_events)
            .values(bounce_event_values(event))
            .on_conflict_do_nothing(
                index_elements=[
                    bounce_events.c.user_id,
                    bounce_events.c.post_id,
                    bounce_events.c.kind,
                ]
            )
            .returning(bounce_events.c.id)
        )
        return self._session.execute(statement).first() is not None

    def for_user(self, user_id: UserId, *, limit: int) -> Sequence[BounceEvent]:
        query = (
            sa.select(bounce_events)
            .where(bounce_events.c.user_id == user_id)
            .order_by(bounce_events.c.received_at.desc(), bounce_events.c.id)
            .limit(limit)
        )
        return [bounce_event_from_row(row) for row in self._session.execute(query)]

    def latest_for_users(self, user_ids: Sequence[UserId]) -> Mapping[UserId, BounceEvent]:
        if not user_ids:
            return {}
        query = (
            sa.select(bounce_events)
            .where(
                bounce_events.c.user_id.in_(user_ids),
                bounce_events.c.kind.in_(_SUPPRESSING),
            )
            .order_by(bounce_events.c.received_at)
        )
        # Oldest first: the newest of each user is the one left in the mapping.
        return {
            UserId(row.user_id): bounce_event_from_row(row) for row in self._session.execute(query)
        }

    def counts_for_post(self, post_id: PostId) -> Mapping[BounceKind, int]:
        query = (
            sa.select(bounce_events.c.kind, sa.func.count())
            .where(bounce_events.c.post_id == post_id)
            .group_by(bounce_events.c.kind)
        )
        return {BounceKind(kind): count for kind, count in self._session.execute(query)}

    def count_for_user(self, user_id: UserId, kind: BounceKind) -> int:
        query = sa.select(sa.func.count()).where(
            bounce_events.c.user_id == user_id, bounce_events.c.kind == kind.value
        )
        return self._session.execute(query).scalar_one()
