"""Ports for sending a post: the send record and its delivery records.

These carry the exactly-once rules. Every implementation (SQL, the test fakes) must pass the
same contract suite (``tests/integration/contract/``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import attrs

from oolvay.domain.deliveries import Delivery, DeliveryOutcome, DeliveryState
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.sends import Send, SendProgress
from oolvay.domain.users import AudienceRule, User


@attrs.frozen
class Lease:
    """A batch run's claim on its recipients. The run renews ``heartbeat`` while it lives;
    a lease whose heartbeat is old, or that is older than the longest lease, belongs to a run
    that died, and its recipients can be taken over."""

    id: str
    post_id: PostId
    round: int
    batch: int
    holder: str
    """Who holds it, for people reading the records (``inline``, ``inngest:<run id>``)."""
    created_at: datetime


@attrs.frozen
class Liveness:
    """When a lease counts as dead: no heartbeat since ``heartbeat_before``, or taken before
    ``taken_before`` (the upper bound, whatever the heartbeat says)."""

    heartbeat_before: datetime
    taken_before: datetime


@attrs.frozen
class Reaped:
    """What taking over dead leases did: the recipient each run was sending to when it died
    became UNCERTAIN, the others it held went back to the queue."""

    uncertain: int = 0
    requeued: int = 0


class SendRepository(Protocol):
    def add(self, send: Send) -> None: ...

    def get(self, post_id: PostId) -> Send | None:
        """The send of a post, or None (a post that sends no email has none)."""
        ...

    def update(self, send: Send) -> None: ...

    def lock(self, post_id: PostId) -> Send | None:
        """Read the send for a change: until this transaction ends, nobody else changes it
        (a row lock on PostgreSQL, the write lock on SQLite), so two planners or two
        resends of one post run one after the other."""
        ...

    def finish_if_done(self, post_id: PostId, *, now: datetime) -> bool:
        """Set ``finished_at`` when no recipient is QUEUED or SENDING; True if it did."""
        ...


class DeliveryRepository(Protocol):
    def snapshot(
        self, post_id: PostId, rule: AudienceRule, *, batch_size: int, now: datetime
    ) -> int:
        """Add every user matching ``rule`` as QUEUED in round 0, numbered into batches of
        ``batch_size`` in user-id order, in one statement; a recipient already there is not
        added twice. Returns how many were added."""
        ...

    def claim_batch(
        self, lease: Lease, rule: AudienceRule, *, liveness: Liveness, now: datetime
    ) -> Sequence[User]:
        """Claim for ``lease`` its batch's recipients that are QUEUED, or FAILED but
        retriable, after taking over the batch's dead leases. Recipients who no longer match
        ``rule`` become SKIPPED. Stores the lease, with the first claimed recipient in
        flight. Returns the claimed users in id order: the order they must be sent in."""
        ...

    def record(
        self,
        post_id: PostId,
        outcome: DeliveryOutcome,
        *,
        lease_id: str,
        next_in_flight: UserId | None,
        now: datetime,
    ) -> bool:
        """Store one recipient's outcome and note the next one as in flight, only while
        ``lease_id`` still holds the claim; False (nothing stored) once it does not."""
        ...

    def release(
        self,
        post_id: PostId,
        *,
        lease_id: str,
        state: DeliveryState,
        error: str | None,
        now: datetime,
    ) -> int:
        """End a lease: its recipients still SENDING become ``state`` (QUEUED, CANCELLED, or
        FAILED with ``error``, retriable); returns how many."""
        ...

    def renew(self, lease_ids: Sequence[str], *, now: datetime) -> set[str]:
        """Renew these leases' heartbeat; return those that no longer exist (taken over)."""
        ...

    def reap(
        self,
        post_id: PostId,
        *,
        liveness: Liveness,
        now: datetime,
        batch: tuple[int, int] | None = None,
    ) -> Reaped:
        """Take over every dead lease of the post (or of one ``(round, batch)``)."""
        ...

    def requeue(
        self,
        post_id: PostId,
        *,
        round: int,
        batch_size: int,
        include_uncertain: bool,
        now: datetime,
    ) -> int:
        """Put every recipient who lacks the post (FAILED, QUEUED, CANCELLED, and UNCERTAIN
        when asked) into ``round``, numbered into new batches; SENDING ones of live runs are
        left to them. Returns how many were requeued."""
        ...

    def fail_queued(
        self, post_id: PostId, *, round: int, batches: range, error: str, now: datetime
    ) -> int:
        """These batches of ``round`` will not be tried again: their QUEUED recipients
        become FAILED (retriable), so that a resend picks them up. Returns how many."""
        ...

    def cancel_queued(self, post_id: PostId, *, now: datetime) -> int:
        """Every QUEUED recipient of the post becomes CANCELLED; returns how many."""
        ...

    def progress(self, post_id: PostId, *, liveness: Liveness) -> SendProgress:
        """Recipients by state, and how many SENDING ones belong to dead leases."""
        ...

    def batch_progress(self, post_id: PostId, *, round: int, batch: int) -> SendProgress:
        """Recipients of one batch of one round, by state (``stalled`` is not counted)."""
        ...

    def sent_since(self, post_id: PostId, since: datetime) -> int:
        """How many were delivered at or after ``since`` (for the rate)."""
        ...

    def list_failed(
        self,
        post_id: PostId,
        *,
        limit: int,
        offset: int = 0,
        search: str | None = None,
        retriable: bool | None = None,
    ) -> Sequence[Delivery]:
        """Failed deliveries with the recipient's email (whose address or reason contains
        ``search``, any case, if given; only the retriable ones, or only the others, if
        ``retriable`` is given), most recent first."""
        ...

    def count_failed(
        self, post_id: PostId, *, search: str | None = None, retriable: bool | None = None
    ) -> int: ...

    def page(self, post_id: PostId, *, after: UserId | None, limit: int) -> Sequence[Delivery]:
        """Up to ``limit`` deliveries of the post with the recipient's email, ordered by user
        id, after ``after``: one keyset page, for reading every delivery in bounded memory."""
        ...
