"""The exactly-once rules, part two: heartbeats, dead runs taken over, leases released.

Every test runs on the fake unit of work, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from oolvay.application.ports import Liveness, Reaped
from oolvay.domain.deliveries import DeliveryOutcome, DeliveryState
from tests.builders import T0
from tests.integration.contract.support import (
    DEAD,
    LATER,
    LIVE,
    NewUow,
    a_lease,
    a_published_post_with_readers,
    claim,
    record,
    snapshot,
    states,
)

Q, S, SENT = DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.SENT
UNCERTAIN = DeliveryState.UNCERTAIN


def test_a_dead_run_is_taken_over_its_recipient_in_flight_uncertain_the_rest_queued(
    new_uow: NewUow,
) -> None:
    post, readers = a_published_post_with_readers(new_uow, 4)
    snapshot(new_uow, post.id, batch_size=10)
    dead = a_lease(post.id)
    claim(new_uow, dead)
    record(new_uow, dead, DeliveryOutcome.sent(readers[0].id), next_in_flight=readers[1].id)
    # ... and the run dies while handing readers[1]'s email to the server.

    taken = claim(new_uow, a_lease(post.id, at=LATER), liveness=DEAD, now=LATER)

    assert taken == [readers[2].id, readers[3].id]
    assert states(new_uow, post.id, readers) == [SENT, UNCERTAIN, S, S]


def test_a_run_that_renews_its_heartbeat_keeps_its_claim(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 2)
    snapshot(new_uow, post.id, batch_size=10)
    live = a_lease(post.id)
    claim(new_uow, live)
    uow = new_uow()
    with uow:
        assert uow.deliveries.renew([live.id, "gone"], now=LATER) == {"gone"}
        uow.commit()

    assert claim(new_uow, a_lease(post.id, at=LATER), liveness=DEAD, now=LATER) == []
    assert record(new_uow, live, DeliveryOutcome.sent(readers[0].id), now=LATER)


def test_a_claim_older_than_the_longest_lease_is_taken_over_heartbeat_or_not(
    new_uow: NewUow,
) -> None:
    post, readers = a_published_post_with_readers(new_uow, 2)
    snapshot(new_uow, post.id, batch_size=10)
    claim(new_uow, a_lease(post.id))
    expired = Liveness(heartbeat_before=T0 - timedelta(seconds=1), taken_before=T0 + timedelta(1))

    # The first of a claim is in flight from the claim on: it may be on its way.
    assert claim(new_uow, a_lease(post.id), liveness=expired) == [readers[1].id]
    assert states(new_uow, post.id, readers) == [UNCERTAIN, S]


def test_a_run_taken_over_can_record_nothing_more_and_learns_it_at_its_heartbeat(
    new_uow: NewUow,
) -> None:
    post, readers = a_published_post_with_readers(new_uow, 2)
    snapshot(new_uow, post.id, batch_size=10)
    slow = a_lease(post.id)
    claim(new_uow, slow)
    claim(new_uow, a_lease(post.id, at=LATER), liveness=DEAD, now=LATER)

    assert not record(new_uow, slow, DeliveryOutcome.sent(readers[1].id), now=LATER)
    uow = new_uow()
    with uow:
        assert uow.deliveries.renew([slow.id], now=LATER) == {slow.id}


def test_reaping_a_post_takes_over_every_dead_lease_and_no_live_one(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 4)
    snapshot(new_uow, post.id, batch_size=2)
    dead, live = a_lease(post.id, batch=0), a_lease(post.id, batch=1)
    claim(new_uow, dead)
    claim(new_uow, live)
    uow = new_uow()
    with uow:
        uow.deliveries.renew([live.id], now=LATER)
        uow.commit()

    uow = new_uow()
    with uow:
        reaped = uow.deliveries.reap(post.id, liveness=DEAD, now=LATER)
        progress = uow.deliveries.progress(post.id, liveness=DEAD)
        uow.commit()

    assert reaped == Reaped(uncertain=1, requeued=1)
    assert states(new_uow, post.id, readers) == [UNCERTAIN, Q, S, S]
    assert progress.stalled == 0


def test_the_progress_counts_what_dead_runs_hold_as_stalled(new_uow: NewUow) -> None:
    post, _readers = a_published_post_with_readers(new_uow, 3)
    snapshot(new_uow, post.id, batch_size=10)
    claim(new_uow, a_lease(post.id))

    uow = new_uow()
    with uow:
        alive = uow.deliveries.progress(post.id, liveness=LIVE)
        dead = uow.deliveries.progress(post.id, liveness=DEAD)

    assert (alive[S], alive.stalled) == (3, 0)
    assert (dead[S], dead.stalled) == (3, 3)


def test_releasing_a_lease_puts_its_unsent_recipients_where_asked(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 3)
    snapshot(new_uow, post.id, batch_size=10)
    lease = a_lease(post.id)
    claim(new_uow, lease)
    record(new_uow, lease, DeliveryOutcome.sent(readers[0].id), next_in_flight=readers[1].id)

    uow = new_uow()
    with uow:
        released = uow.deliveries.release(
            post.id, lease_id=lease.id, state=DeliveryState.QUEUED, error=None, now=T0
        )
        gone = uow.deliveries.renew([lease.id], now=T0)
        uow.commit()

    assert released == 2
    assert gone == {lease.id}
    assert states(new_uow, post.id, readers) == [SENT, Q, Q]
