"""The send record of a post."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from oolvay.adapters.sqlalchemy.mapping import send_from_row, send_values
from oolvay.adapters.sqlalchemy.statements import execute_dml, is_postgresql
from oolvay.adapters.sqlalchemy.tables import deliveries, sends
from oolvay.domain.deliveries import UNFINISHED
from oolvay.domain.ids import PostId
from oolvay.domain.sends import Send


class SqlAlchemySendRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, send: Send) -> None:
        self._session.execute(sa.insert(sends).values(send_values(send)))

    def get(self, post_id: PostId) -> Send | None:
        row = self._session.execute(sa.select(sends).where(sends.c.post_id == post_id)).first()
        return send_from_row(row) if row is not None else None

    def lock(self, post_id: PostId) -> Send | None:
        if is_postgresql(self._session):
            query = sa.select(sends).where(sends.c.post_id == post_id).with_for_update()
            row = self._session.execute(query).first()
            return send_from_row(row) if row is not None else None
        # SQLite locks the database at the first write of a transaction, not at a read:
        # write first, so that the read below is of a row nobody else can change.
        self._session.execute(
            sa.update(sends).where(sends.c.post_id == post_id).values(round=sends.c.round)
        )
        return self.get(post_id)

    def update(self, send: Send) -> None:
        self._session.execute(
            sa.update(sends).where(sends.c.id == send.id).values(send_values(send))
        )

    def finish_if_done(self, post_id: PostId, *, now: datetime) -> bool:
        unfinished = sa.exists().where(
            deliveries.c.post_id == post_id,
            deliveries.c.state.in_([state.value for state in UNFINISHED]),
        )
        result = execute_dml(
            self._session,
            sa.update(sends)
            .where(
                sends.c.post_id == post_id,
                sends.c.planned_at.is_not(None),
                sends.c.finished_at.is_(None),
                ~unfinished,
            )
            .values(finished_at=now),
        )
        return result.rowcount == 1
