"""The reads of the DeliveryRepository port: counts, the rate, failures, the report's pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from oolvay.adapters.sqlalchemy.deliveries import SqlAlchemyDeliveryWrites
from oolvay.adapters.sqlalchemy.mapping import delivery_from_row
from oolvay.adapters.sqlalchemy.tables import deliveries, send_leases, users
from oolvay.application.ports import Liveness
from oolvay.domain.deliveries import Delivery, DeliveryState
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.sends import SendProgress

FAILED = DeliveryState.FAILED.value


class SqlAlchemyDeliveryRepository(SqlAlchemyDeliveryWrites):
    """Implements the DeliveryRepository port over SQLAlchemy Core."""

    def progress(self, post_id: PostId, *, liveness: Liveness) -> SendProgress:
        progress = self._counts(deliveries.c.post_id == post_id)
        dead = sa.or_(
            send_leases.c.id.is_(None),
            send_leases.c.heartbeat_at < liveness.heartbeat_before,
            send_leases.c.created_at < liveness.taken_before,
        )
        stalled = self._session.execute(
            sa.select(sa.func.count())
            .select_from(deliveries)
            .outerjoin(send_leases, send_leases.c.id == deliveries.c.claimant)
            .where(
                deliveries.c.post_id == post_id,
                deliveries.c.state == DeliveryState.SENDING.value,
                dead,
            )
        ).scalar_one()
        return SendProgress(counts=progress.counts, stalled=stalled, retriable=progress.retriable)

    def batch_progress(self, post_id: PostId, *, round: int, batch: int) -> SendProgress:
        return self._counts(
            deliveries.c.post_id == post_id,
            deliveries.c.round == round,
            deliveries.c.batch == batch,
        )

    def sent_since(self, post_id: PostId, since: datetime) -> int:
        query = sa.select(sa.func.count()).where(
            deliveries.c.post_id == post_id,
            deliveries.c.state == DeliveryState.SENT.value,
            deliveries.c.updated_at >= since,
        )
        return self._session.execute(query).scalar_one()

    def list_failed(
        self,
        post_id: PostId,
        *,
        limit: int,
        offset: int = 0,
        search: str | None = None,
        retriable: bool | None = None,
    ) -> Sequence[Delivery]:
        query = (
            sa.select(deliveries, users.c.email)
            .join(users, users.c.id == deliveries.c.user_id)
            .where(*_failed(post_id, search, retriable))
            .order_by(deliveries.c.updated_at.desc(), deliveries.c.user_id)
            .limit(limit)
            .offset(offset)
        )
        return [delivery_from_row(row) for row in self._session.execute(query)]

    def count_failed(
        self, post_id: PostId, *, search: str | None = None, retriable: bool | None = None
    ) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(deliveries.join(users, users.c.id == deliveries.c.user_id))
            .where(*_failed(post_id, search, retriable))
        )
        return self._session.execute(query).scalar_one()

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

    def _counts(self, *where: sa.ColumnElement[bool]) -> SendProgress:
        retriable = sa.func.sum(
            sa.case((sa.and_(deliveries.c.state == FAILED, deliveries.c.retriable), 1), else_=0)
        )
        query = (
            sa.select(deliveries.c.state, sa.func.count(), retriable)
            .where(*where)
            .group_by(deliveries.c.state)
        )
        rows: list[Any] = list(self._session.execute(query))
        return SendProgress(
            counts={DeliveryState(state): count for state, count, _ in rows},
            retriable=sum(int(r or 0) for _, _, r in rows),
        )


def _failed(
    post_id: PostId, search: str | None, retriable: bool | None
) -> list[sa.ColumnElement[bool]]:
    where = [deliveries.c.post_id == post_id, deliveries.c.state == FAILED]
    if retriable is not None:
        where.append(deliveries.c.retriable.is_(retriable))
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        where.append(
            sa.or_(
                sa.func.lower(users.c.email).like(pattern, escape="\\"),
                sa.func.lower(deliveries.c.error).like(pattern, escape="\\"),
            )
        )
    return where
