"""The exactly-once rules, part one: the snapshot, batch claims, per-message records.

Every test runs on the fake unit of work, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from oolvay.domain.deliveries import DeliveryOutcome, DeliveryState
from oolvay.domain.users import POST_EMAIL_AUDIENCE
from tests.builders import T0, a_subscriber
from tests.integration.contract.support import (
    LATER,
    NewUow,
    a_lease,
    a_published_post_with_readers,
    batches,
    claim,
    record,
    snapshot,
    states,
)

Q, S, SENT = DeliveryState.QUEUED, DeliveryState.SENDING, DeliveryState.SENT


def test_the_snapshot_queues_every_reader_once_numbered_into_batches(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 7)

    assert snapshot(new_uow, post.id, batch_size=3) == 7
    assert snapshot(new_uow, post.id, batch_size=3) == 0  # planned again: nobody twice

    assert states(new_uow, post.id, readers) == [Q] * 7
    assert batches(new_uow, post.id) == {(0, 0): 3, (0, 1): 3, (0, 2): 1}


def test_the_snapshot_leaves_out_who_is_not_in_the_audience(new_uow: NewUow) -> None:
    post, _readers = a_published_post_with_readers(new_uow, 2)
    outsiders = [
        a_subscriber(10, email_verified=False),
        a_subscriber(11, wants_post_emails=False),
        a_subscriber(12, bounced=True),
        a_subscriber(13, active=False),
    ]
    uow = new_uow()
    with uow:
        for user in outsiders:
            uow.users.add(user)
        uow.commit()

    assert snapshot(new_uow, post.id, batch_size=10) == 2
    uow = new_uow()
    with uow:
        assert uow.users.count_audience(POST_EMAIL_AUDIENCE) == 2


def test_a_claim_takes_its_batch_in_id_order_and_nothing_else(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 5)
    snapshot(new_uow, post.id, batch_size=2)

    claimed = claim(new_uow, a_lease(post.id, batch=1))

    assert claimed == [readers[2].id, readers[3].id]
    assert states(new_uow, post.id, readers) == [Q, Q, S, S, Q]


def test_a_batch_claimed_by_a_live_run_is_left_to_it(new_uow: NewUow) -> None:
    post, _readers = a_published_post_with_readers(new_uow, 3)
    snapshot(new_uow, post.id, batch_size=10)
    claim(new_uow, a_lease(post.id))

    assert claim(new_uow, a_lease(post.id)) == []


def test_who_left_the_audience_since_the_plan_is_skipped(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 3)
    snapshot(new_uow, post.id, batch_size=10)
    uow = new_uow()
    with uow:
        user = uow.users.get(readers[1].id)
        assert user is not None
        user.unsubscribe()
        uow.users.update(user)
        uow.commit()

    assert claim(new_uow, a_lease(post.id)) == [readers[0].id, readers[2].id]
    assert states(new_uow, post.id, readers)[1] is DeliveryState.SKIPPED


def test_an_outcome_is_recorded_only_under_the_lease_that_holds_it(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 2)
    snapshot(new_uow, post.id, batch_size=10)
    lease = a_lease(post.id)
    claim(new_uow, lease)

    assert not record(new_uow, a_lease(post.id), DeliveryOutcome.sent(readers[0].id))
    assert record(new_uow, lease, DeliveryOutcome.sent(readers[0].id), next_in_flight=readers[1].id)
    assert not record(new_uow, lease, DeliveryOutcome.sent(readers[0].id))  # already decided
    assert states(new_uow, post.id, readers) == [SENT, S]


def test_a_sent_recipient_is_never_claimed_again(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 1)
    snapshot(new_uow, post.id, batch_size=10)
    lease = a_lease(post.id)
    claim(new_uow, lease)
    record(new_uow, lease, DeliveryOutcome.sent(readers[0].id))

    assert claim(new_uow, a_lease(post.id), now=LATER) == []


@pytest.mark.parametrize("retriable", [True, False], ids=["retriable", "for-good"])
def test_a_batch_run_sends_again_only_what_failed_for_a_passing_reason(
    new_uow: NewUow, retriable: bool
) -> None:
    post, readers = a_published_post_with_readers(new_uow, 1)
    snapshot(new_uow, post.id, batch_size=10)
    lease = a_lease(post.id)
    claim(new_uow, lease)
    record(new_uow, lease, DeliveryOutcome.failed(readers[0].id, "451 later", retriable=retriable))
    uow = new_uow()
    with uow:
        uow.deliveries.release(
            post.id, lease_id=lease.id, state=DeliveryState.QUEUED, error=None, now=T0
        )
        uow.commit()

    again = claim(new_uow, a_lease(post.id))

    assert again == ([readers[0].id] if retriable else [])
