"""The exactly-once SQL: the audience snapshot, batch claims, per-message records, leases
and their takeover, and the resend's requeue. The rules are those of
``oolvay/application/ports/sending.py``; ``tests/integration/contract/`` proves them here and in the
fakes alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from oolvay.adapters.sqlalchemy.mapping import user_from_row
from oolvay.adapters.sqlalchemy.statements import audience, execute_dml, insert_into
from oolvay.adapters.sqlalchemy.tables import UtcDateTime, deliveries, send_leases, users
from oolvay.application.ports import Lease, Liveness, Reaped
from oolvay.domain.deliveries import DeliveryOutcome, DeliveryState
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.users import AudienceRule, User

QUEUED, SENDING = DeliveryState.QUEUED.value, DeliveryState.SENDING.value
FAILED, UNCERTAIN = DeliveryState.FAILED.value, DeliveryState.UNCERTAIN.value
TO_SEND = sa.or_(
    deliveries.c.state == QUEUED,
    sa.and_(deliveries.c.state == FAILED, deliveries.c.retriable.is_(True)),
)
"""What a batch run sends: queued recipients, and those that failed for a passing reason."""


def _numbered(order_by: sa.ColumnElement[object], batch_size: int) -> sa.ColumnElement[int]:
    """The batch of each row: its place in ``order_by`` order, divided by the batch size."""
    return (sa.func.row_number().over(order_by=order_by) - 1) // batch_size


class SqlAlchemyDeliveryWrites:
    """The writes of the DeliveryRepository port (the reads are in ``delivery_reads``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def snapshot(
        self, post_id: PostId, rule: AudienceRule, *, batch_size: int, now: datetime
    ) -> int:
        recipients = sa.select(
            sa.literal(post_id, sa.Uuid()),
            users.c.id,
            sa.literal(QUEUED),
            sa.literal(0),
            _numbered(users.c.id, batch_size),
            sa.false(),
            sa.literal(0),
            sa.literal(now, UtcDateTime()),
        ).where(*audience(rule))
        columns = ["post_id", "user_id", "state", "round", "batch", "retriable", "attempts"]
        statement = (
            insert_into(self._session, deliveries)
            .from_select([*columns, "updated_at"], recipients)
            .on_conflict_do_nothing(index_elements=[deliveries.c.post_id, deliveries.c.user_id])
            # SQLAlchemy only keeps the row count of an INSERT when asked to.
            .execution_options(preserve_rowcount=True)
        )
        return execute_dml(self._session, statement).rowcount

    def claim_batch(
        self, lease: Lease, rule: AudienceRule, *, liveness: Liveness, now: datetime
    ) -> Sequence[User]:
        self._reap(
            lease.post_id,
            liveness,
            send_leases.c.round == lease.round,
            send_leases.c.batch == lease.batch,
        )
        self._session.execute(
            sa.insert(send_leases).values(
                id=lease.id,
                post_id=lease.post_id,
                round=lease.round,
                batch=lease.batch,
                holder=lease.holder,
                created_at=lease.created_at,
                heartbeat_at=now,
                in_flight=None,
            )
        )
        in_batch = (
            deliveries.c.post_id == lease.post_id,
            deliveries.c.round == lease.round,
            deliveries.c.batch == lease.batch,
        )
        still_in_audience = deliveries.c.user_id.in_(sa.select(users.c.id).where(*audience(rule)))
        self._session.execute(
            sa.update(deliveries)
            .where(*in_batch, TO_SEND, still_in_audience)
            .values(
                state=SENDING,
                claimant=lease.id,
                claimed_at=now,
                attempts=deliveries.c.attempts + 1,
                updated_at=now,
            )
        )
        # Whoever is left to send in the batch has left the audience since the plan.
        self._session.execute(
            sa.update(deliveries)
            .where(*in_batch, TO_SEND)
            .values(state=DeliveryState.SKIPPED.value, error=None, updated_at=now)
        )
        claimed = [
            user_from_row(row)
            for row in self._session.execute(
                sa.select(users)
                .join(deliveries, deliveries.c.user_id == users.c.id)
                .where(
                    deliveries.c.post_id == lease.post_id,
                    deliveries.c.claimant == lease.id,
                    deliveries.c.state == SENDING,
                )
                .order_by(users.c.id)
            )
        ]
        if claimed:
            self._set_in_flight(lease.id, claimed[0].id, now)
        return claimed

    def record(
        self,
        post_id: PostId,
        outcome: DeliveryOutcome,
        *,
        lease_id: str,
        next_in_flight: UserId | None,
        now: datetime,
    ) -> bool:
        result = execute_dml(
            self._session,
            sa.update(deliveries)
            .where(
                deliveries.c.post_id == post_id,
                deliveries.c.user_id == outcome.user_id,
                deliveries.c.claimant == lease_id,
                deliveries.c.state == SENDING,
            )
            .values(
                state=outcome.state.value,
                error=outcome.error,
                retriable=outcome.retriable,
                updated_at=now,
            ),
        )
        if result.rowcount != 1:
            return False
        self._set_in_flight(lease_id, next_in_flight, now)
        return True

    def release(
        self,
        post_id: PostId,
        *,
        lease_id: str,
        state: DeliveryState,
        error: str | None,
        now: datetime,
    ) -> int:
        result = execute_dml(
            self._session,
            sa.update(deliveries)
            .where(
                deliveries.c.post_id == post_id,
                deliveries.c.state == SENDING,
                deliveries.c.claimant == lease_id,
            )
            .values(
                state=state.value,
                error=error,
                retriable=state is DeliveryState.FAILED,
                claimant=None,
                updated_at=now,
            ),
        )
        self._session.execute(sa.delete(send_leases).where(send_leases.c.id == lease_id))
        return result.rowcount

    def renew(self, lease_ids: Sequence[str], *, now: datetime) -> set[str]:
        if not lease_ids:
            return set()
        mine = send_leases.c.id.in_(lease_ids)
        self._session.execute(sa.update(send_leases).where(mine).values(heartbeat_at=now))
        found = set(self._session.scalars(sa.select(send_leases.c.id).where(mine)))
        return set(lease_ids) - found

    def reap(
        self,
        post_id: PostId,
        *,
        liveness: Liveness,
        now: datetime,
        batch: tuple[int, int] | None = None,
    ) -> Reaped:
        if batch is None:
            return self._reap(post_id, liveness)
        return self._reap(
            post_id, liveness, send_leases.c.round == batch[0], send_leases.c.batch == batch[1]
        )

    def requeue(
        self,
        post_id: PostId,
        *,
        round: int,
        batch_size: int,
        include_uncertain: bool,
        now: datetime,
    ) -> int:
        states = [QUEUED, FAILED, DeliveryState.CANCELLED.value]
        if include_uncertain:
            states.append(UNCERTAIN)
        numbered = (
            sa.select(
                deliveries.c.user_id.label("user_id"),
                _numbered(deliveries.c.user_id, batch_size).label("batch"),
            )
            .where(deliveries.c.post_id == post_id, deliveries.c.state.in_(states))
            .subquery()
        )
        result = execute_dml(
            self._session,
            sa.update(deliveries)
            .where(deliveries.c.post_id == post_id, deliveries.c.user_id == numbered.c.user_id)
            .values(
                state=QUEUED,
                round=round,
                batch=numbered.c.batch,
                error=None,
                retriable=False,
                claimant=None,
                updated_at=now,
            ),
        )
        return result.rowcount

    def fail_queued(
        self, post_id: PostId, *, round: int, batches: range, error: str, now: datetime
    ) -> int:
        result = execute_dml(
            self._session,
            sa.update(deliveries)
            .where(
                deliveries.c.post_id == post_id,
                deliveries.c.round == round,
                deliveries.c.batch >= batches.start,
                deliveries.c.batch < batches.stop,
                deliveries.c.state == QUEUED,
            )
            .values(state=FAILED, error=error, retriable=True, updated_at=now),
        )
        return result.rowcount

    def cancel_queued(self, post_id: PostId, *, now: datetime) -> int:
        result = execute_dml(
            self._session,
            sa.update(deliveries)
            .where(deliveries.c.post_id == post_id, deliveries.c.state == QUEUED)
            .values(state=DeliveryState.CANCELLED.value, updated_at=now),
        )
        return result.rowcount

    def _set_in_flight(self, lease_id: str, user_id: UserId | None, now: datetime) -> None:
        self._session.execute(
            sa.update(send_leases)
            .where(send_leases.c.id == lease_id)
            .values(in_flight=user_id, heartbeat_at=now)
        )

    def _reap(self, post_id: PostId, liveness: Liveness, *where: sa.ColumnElement[bool]) -> Reaped:
        dead = self._session.execute(
            sa.select(send_leases.c.id, send_leases.c.in_flight).where(
                send_leases.c.post_id == post_id,
                *where,
                sa.or_(
                    send_leases.c.heartbeat_at < liveness.heartbeat_before,
                    send_leases.c.created_at < liveness.taken_before,
                ),
            )
        ).all()
        if not dead:
            return Reaped()
        uncertain = 0
        for lease_id, in_flight in dead:
            if in_flight is not None:
                uncertain += self._move(
                    post_id, [lease_id], UNCERTAIN, deliveries.c.user_id == in_flight
                )
        requeued = self._move(post_id, [lease_id for lease_id, _ in dead], QUEUED)
        self._session.execute(
            sa.delete(send_leases).where(send_leases.c.id.in_([lease_id for lease_id, _ in dead]))
        )
        return Reaped(uncertain=uncertain, requeued=requeued)

    def _move(
        self, post_id: PostId, lease_ids: list[str], state: str, *where: sa.ColumnElement[bool]
    ) -> int:
        result = execute_dml(
            self._session,
            sa.update(deliveries)
            .where(
                deliveries.c.post_id == post_id,
                deliveries.c.state == SENDING,
                deliveries.c.claimant.in_(lease_ids),
                *where,
            )
            .values(state=state, claimant=None),
        )
        return result.rowcount
