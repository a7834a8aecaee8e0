"""Fake send and delivery repositories: the exactly-once rules of
``oolvay/application/ports/sending.py`` over dicts. ``tests/integration/contract/`` runs the
same cases against these and against both real databases."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs

from oolvay.application.ports import Lease, Liveness, Reaped
from oolvay.domain.deliveries import UNFINISHED, Delivery, DeliveryOutcome, DeliveryState
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.sends import Send, SendProgress
from oolvay.domain.users import AudienceRule, User
from tests.fakes.store import DeliveryRow, FakeStore, LeaseRow

QUEUED, SENDING, FAILED = DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.FAILED


class FakeSendRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, send: Send) -> None:
        if send.post_id in self._store.sends:
            raise ValueError(f"post {send.post_id} already has a send")
        self._store.sends[send.post_id] = copy.deepcopy(send)

    def get(self, post_id: PostId) -> Send | None:
        send = self._store.sends.get(post_id)
        return copy.deepcopy(send) if send is not None else None

    def lock(self, post_id: PostId) -> Send | None:
        return self.get(post_id)  # transactions run one at a time: holding one is the lock

    def update(self, send: Send) -> None:
        self._store.sends[send.post_id] = copy.deepcopy(send)

    def finish_if_done(self, post_id: PostId, *, now: datetime) -> bool:
        send = self._store.sends.get(post_id)
        if send is None or not send.is_planned or send.finished_at is not None:
            return False
        if any(
            r.state in UNFINISHED for (p, _), r in self._store.deliveries.items() if p == post_id
        ):
            return False
        self._store.sends[post_id] = attrs.evolve(send, finished_at=now)
        return True


def _to_send(row: DeliveryRow) -> bool:
    return row.state is QUEUED or (row.state is FAILED and row.retriable)


class FakeDeliveryRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    # --- writes ----------------------------------------------------------------------
    def snapshot(
        self, post_id: PostId, rule: AudienceRule, *, batch_size: int, now: datetime
    ) -> int:
        matching = sorted(u.id for u in self._store.users.values() if rule.matches(u))
        added = 0
        for place, user_id in enumerate(matching):
            if (post_id, user_id) not in self._store.deliveries:
                row = DeliveryRow(QUEUED, round=0, batch=place // batch_size, updated_at=now)
                self._store.deliveries[(post_id, user_id)] = row
                added += 1
        return added

    def claim_batch(
        self, lease: Lease, rule: AudienceRule, *, liveness: Liveness, now: datetime
    ) -> Sequence[User]:
        self._reap(
            lease.post_id,
            liveness,
            lambda row: row.round == lease.round and row.batch == lease.batch,
        )
        self._store.leases[lease.id] = LeaseRow(
            lease.post_id, lease.round, lease.batch, lease.holder, lease.created_at, now
        )
        claimed: list[User] = []
        for (post_id, user_id), row in sorted(self._store.deliveries.items()):
            if post_id != lease.post_id or (row.round, row.batch) != (lease.round, lease.batch):
                continue
            if not _to_send(row):
                continue
            user = self._store.users.get(user_id)
            if user is not None and rule.matches(user):
                self._set(
                    post_id,
                    user_id,
                    state=SENDING,
                    claimant=lease.id,
                    claimed_at=now,
                    attempts=row.attempts + 1,
                    updated_at=now,
                )
                claimed.append(copy.deepcopy(user))
            else:
                self._set(post_id, user_id, state=DeliveryState.SKIPPED, error=None, updated_at=now)
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
        row = self._store.deliveries.get((post_id, outcome.user_id))
        if row is None or row.state is not SENDING or row.claimant != lease_id:
            return False
        self._set(
            post_id,
            outcome.user_id,
            state=outcome.state,
            error=outcome.error,
            retriable=outcome.retriable,
            updated_at=now,
        )
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
        released = 0
        for key, row in list(self._store.deliveries.items()):
            if key[0] == post_id and row.state is SENDING and row.claimant == lease_id:
                self._set(
                    *key,
                    state=state,
                    error=error,
                    retriable=state is FAILED,
                    claimant=None,
                    updated_at=now,
                )
                released += 1
        self._store.leases.pop(lease_id, None)
        return released

    def renew(self, lease_ids: Sequence[str], *, now: datetime) -> set[str]:
        gone = set()
        for lease_id in lease_ids:
            lease = self._store.leases.get(lease_id)
            if lease is None:
                gone.add(lease_id)
            else:
                self._store.leases[lease_id] = attrs.evolve(lease, heartbeat_at=now)
        return gone

    def reap(
        self,
        post_id: PostId,
        *,
        liveness: Liveness,
        now: datetime,
        batch: tuple[int, int] | None = None,
    ) -> Reaped:
        if batch is None:
            return self._reap(post_id, liveness, lambda _lease: True)
        return self._reap(post_id, liveness, lambda lease: (lease.round, lease.batch) == batch)

    def requeue(
        self,
        post_id: PostId,
        *,
        round: int,
        batch_size: int,
        include_uncertain: bool,
        now: datetime,
    ) -> int:
        states = {QUEUED, FAILED, DeliveryState.CANCELLED}
        if include_uncertain:
            states.add(DeliveryState.UNCERTAIN)
        chosen = sorted(
            user_id
            for (p, user_id), row in self._store.deliveries.items()
            if p == post_id and row.state in states
        )
        for place, user_id in enumerate(chosen):
            self._set(
                post_id,
                user_id,
                state=QUEUED,
                round=round,
                batch=place // batch_size,
                error=None,
                retriable=False,
                claimant=None,
                updated_at=now,
            )
        return len(chosen)

    def fail_queued(
        self, post_id: PostId, *, round: int, batches: range, error: str, now: datetime
    ) -> int:
        failed = 0
        for key, row in list(self._store.deliveries.items()):
            mine = key[0] == post_id and row.round == round and row.batch in batches
            if mine and row.state is QUEUED:
                self._set(*key, state=FAILED, error=error, retriable=True, updated_at=now)
                failed += 1
        return failed

    def cancel_queued(self, post_id: PostId, *, now: datetime) -> int:
        cancelled = 0
        for key, row in list(self._store.deliveries.items()):
            if key[0] == post_id and row.state is QUEUED:
                self._set(*key, state=DeliveryState.CANCELLED, updated_at=now)
                cancelled += 1
        return cancelled

    # --- reads -----------------------------------------------------------------------
    def progress(self, post_id: PostId, *, liveness: Liveness) -> SendProgress:
        rows = [row for (p, _), row in self._store.deliveries.items() if p == post_id]
        stalled = sum(
            1
            for row in rows
            if row.state is SENDING
            and self._dead(self._store.leases.get(row.claimant or ""), liveness)
        )
        return _progress(rows, stalled)

    def batch_progress(self, post_id: PostId, *, round: int, batch: int) -> SendProgress:
        return _progress(
            [
                row
                for (p, _), row in self._store.deliveries.items()
                if p == post_id and (row.round, row.batch) == (round, batch)
            ],
            0,
        )

    def sent_since(self, post_id: PostId, since: datetime) -> int:
        return sum(
            1
            for (p, _), row in self._store.deliveries.items()
            if p == post_id and row.state is DeliveryState.SENT and row.updated_at >= since
        )

    def list_failed(
        self,
        post_id: PostId,
        *,
        limit: int,
        offset: int = 0,
        search: str | None = None,
        retriable: bool | None = None,
    ) -> Sequence[Delivery]:
        failed = self._failed(post_id, search, retriable)
        failed.sort(key=lambda d: (-d.updated_at.timestamp(), d.user_id))
        return failed[offset : offset + limit]

    def count_failed(
        self, post_id: PostId, *, search: str | None = None, retriable: bool | None = None
    ) -> int:
        return len(self._failed(post_id, search, retriable))

    def page(self, post_id: PostId, *, after: UserId | None, limit: int) -> Sequence[Delivery]:
        chosen = sorted(
            (key, row)
            for key, row in self._store.deliveries.items()
            if key[0] == post_id and (after is None or key[1] > after)
        )
        return [self._delivery(key, row) for key, row in chosen[:limit]]

    def state_of(self, post_id: PostId, user_id: UserId) -> DeliveryState | None:
        row = self._store.deliveries.get((post_id, user_id))
        return row.state if row is not None else None

    # --- helpers ---------------------------------------------------------------------
    def _set(self, post_id: PostId, user_id: UserId, **changes: Any) -> None:
        key = (post_id, user_id)
        self._store.deliveries[key] = attrs.evolve(self._store.deliveries[key], **changes)

    def _set_in_flight(self, lease_id: str, user_id: UserId | None, now: datetime) -> None:
        lease = self._store.leases.get(lease_id)
        if lease is not None:
            self._store.leases[lease_id] = attrs.evolve(lease, in_flight=user_id, heartbeat_at=now)

    @staticmethod
    def _dead(lease: LeaseRow | None, liveness: Liveness) -> bool:
        return (
            lease is None
            or lease.heartbeat_at < liveness.heartbeat_before
            or lease.created_at < liveness.taken_before
        )

    def _reap(
        self, post_id: PostId, liveness: Liveness, in_scope: Callable[[LeaseRow], bool]
    ) -> Reaped:
        dead = {
            lease_id: lease
            for lease_id, lease in self._store.leases.items()
            if lease.post_id == post_id and in_scope(lease) and self._dead(lease, liveness)
        }
        uncertain = requeued = 0
        for key, row in list(self._store.deliveries.items()):
            if key[0] != post_id or row.state is not SENDING or row.claimant not in dead:
                continue
            if dead[row.claimant].in_flight == key[1]:
                self._set(*key, state=DeliveryState.UNCERTAIN, claimant=None)
                uncertain += 1
            else:
                self._set(*key, state=QUEUED, claimant=None)
                requeued += 1
        for lease_id in dead:
            del self._store.leases[lease_id]
        return Reaped(uncertain=uncertain, requeued=requeued)

    def _failed(
        self, post_id: PostId, search: str | None, retriable: bool | None
    ) -> list[Delivery]:
        return [
            self._delivery(key, row)
            for key, row in self._store.deliveries.items()
            if key[0] == post_id
            and row.state is FAILED
            and (retriable is None or row.retriable is retriable)
            and (
                not search
                or search.lower() in self._store.users[key[1]].email.lower()
                or search.lower() in (row.error or "").lower()
            )
        ]

    def _delivery(self, key: tuple[PostId, UserId], row: DeliveryRow) -> Delivery:
        user = self._store.users.get(key[1])
        return Delivery(
            post_id=key[0],
            user_id=key[1],
            state=row.state,
            updated_at=row.updated_at,
            error=row.error,
            attempts=row.attempts,
            retriable=row.retriable,
            email=user.email if user is not None else None,
        )


def _progress(rows: list[DeliveryRow], stalled: int) -> SendProgress:
    counts: dict[DeliveryState, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    retriable = sum(1 for row in rows if row.state is FAILED and row.retriable)
    return SendProgress(counts=counts, stalled=stalled, retriable=retriable)
