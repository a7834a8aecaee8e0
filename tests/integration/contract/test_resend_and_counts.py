"""The exactly-once rules, part three: what a resend requeues, cancelling, the counts.

Every test runs on the fake unit of work, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from oolvay.domain.deliveries import DeliveryOutcome, DeliveryState
from oolvay.domain.posts import Post
from oolvay.domain.users import POST_EMAIL_AUDIENCE, User
from tests.builders import T0
from tests.integration.contract.support import (
    DEAD,
    LATER,
    LIVE,
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
FAILED, UNCERTAIN = DeliveryState.FAILED, DeliveryState.UNCERTAIN


def a_send_with_every_outcome(new_uow: NewUow) -> tuple[Post, list[User]]:
    """Readers 0..5: sent, failed for good, failed for now, uncertain, queued, live-sending."""
    post, readers = a_published_post_with_readers(new_uow, 6)
    snapshot(new_uow, post.id, batch_size=4)
    first = a_lease(post.id, batch=0)
    claim(new_uow, first)
    record(new_uow, first, DeliveryOutcome.sent(readers[0].id), next_in_flight=readers[1].id)
    record(new_uow, first, DeliveryOutcome.failed(readers[1].id, "550", retriable=False))
    record(
        new_uow,
        first,
        DeliveryOutcome.failed(readers[2].id, "451", retriable=True),
        next_in_flight=readers[3].id,
    )
    # The first run dies handing readers[3]; the second batch's run is alive and sending.
    live = a_lease(post.id, batch=1, at=LATER)
    claim(new_uow, live, now=LATER)
    uow = new_uow()
    with uow:
        uow.deliveries.reap(post.id, liveness=DEAD, now=LATER)
        uow.deliveries.release(post.id, lease_id=live.id, state=Q, error=None, now=LATER)
        uow.commit()
    again = a_lease(post.id, batch=1, at=LATER)
    assert claim(new_uow, again, now=LATER) == [readers[4].id, readers[5].id]
    record(
        new_uow, again, DeliveryOutcome.sent(readers[4].id), next_in_flight=readers[5].id, now=LATER
    )
    uow = new_uow()
    with uow:
        uow.deliveries.release(post.id, lease_id=again.id, state=Q, error=None, now=LATER)
        uow.commit()
    return post, readers


def test_a_resend_requeues_into_a_new_round_whoever_lacks_the_email(new_uow: NewUow) -> None:
    post, readers = a_send_with_every_outcome(new_uow)
    assert states(new_uow, post.id, readers) == [SENT, FAILED, FAILED, UNCERTAIN, SENT, Q]

    uow = new_uow()
    with uow:
        requeued = uow.deliveries.requeue(
            post.id, round=1, batch_size=2, include_uncertain=False, now=LATER
        )
        uow.commit()

    assert requeued == 3
    assert states(new_uow, post.id, readers) == [SENT, Q, Q, UNCERTAIN, SENT, Q]
    assert {k: v for k, v in batches(new_uow, post.id).items() if k[0] == 1} == {
        (1, 0): 2,
        (1, 1): 1,
    }


def test_uncertain_recipients_are_requeued_only_when_asked(new_uow: NewUow) -> None:
    post, readers = a_send_with_every_outcome(new_uow)

    uow = new_uow()
    with uow:
        requeued = uow.deliveries.requeue(
            post.id, round=1, batch_size=10, include_uncertain=True, now=LATER
        )
        uow.commit()

    assert requeued == 4
    assert states(new_uow, post.id, readers)[3] is Q


def test_a_resend_leaves_live_runs_their_recipients(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 2)
    snapshot(new_uow, post.id, batch_size=10)
    claim(new_uow, a_lease(post.id))

    uow = new_uow()
    with uow:
        requeued = uow.deliveries.requeue(
            post.id, round=1, batch_size=10, include_uncertain=True, now=T0
        )
        uow.commit()

    assert requeued == 0
    assert states(new_uow, post.id, readers) == [S, S]


def test_a_batch_given_up_fails_its_queued_recipients_for_a_resend(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 3)
    snapshot(new_uow, post.id, batch_size=2)

    uow = new_uow()
    with uow:
        failed = uow.deliveries.fail_queued(
            post.id, round=0, batches=range(1), error="gave up", now=T0
        )
        progress = uow.deliveries.progress(post.id, liveness=LIVE)
        uow.commit()

    assert failed == 2
    assert states(new_uow, post.id, readers) == [FAILED, FAILED, Q]
    assert progress.retriable == 2
    uow = new_uow()
    with uow:
        assert (
            uow.deliveries.fail_queued(post.id, round=0, batches=range(0, 5), error="all", now=T0)
            == 1
        )
        uow.commit()


def test_cancelling_stops_every_queued_recipient(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 3)
    snapshot(new_uow, post.id, batch_size=2)
    claim(new_uow, a_lease(post.id, batch=0))

    uow = new_uow()
    with uow:
        assert uow.deliveries.cancel_queued(post.id, now=T0) == 1
        uow.commit()

    assert states(new_uow, post.id, readers) == [S, S, DeliveryState.CANCELLED]


def test_a_send_is_finished_only_once_nobody_is_queued_or_being_sent(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 1)
    uow = new_uow()
    with uow:
        send = uow.sends.lock(post.id)
        assert send is not None
        audience = uow.deliveries.snapshot(post.id, POST_EMAIL_AUDIENCE, batch_size=10, now=T0)
        send.planned(audience=audience, batch_size=10, now=T0)
        uow.sends.update(send)
        uow.commit()
    lease = a_lease(post.id)
    claim(new_uow, lease)

    uow = new_uow()
    with uow:
        assert not uow.sends.finish_if_done(post.id, now=T0)
        uow.commit()
    record(new_uow, lease, DeliveryOutcome.sent(readers[0].id))
    uow = new_uow()
    with uow:
        assert uow.sends.finish_if_done(post.id, now=LATER)
        assert not uow.sends.finish_if_done(post.id, now=LATER)
        uow.commit()
        stored = uow.sends.get(post.id)

    assert stored is not None
    assert stored.finished_at == LATER


def test_failures_are_listed_newest_first_found_by_address_and_counted(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 3)
    snapshot(new_uow, post.id, batch_size=10)
    lease = a_lease(post.id)
    claim(new_uow, lease)
    for n, reader in enumerate(readers):
        at = T0 + timedelta(seconds=n)
        record(
            new_uow,
            lease,
            DeliveryOutcome.failed(reader.id, f"550 no {n}", retriable=False),
            now=at,
        )

    uow = new_uow()
    with uow:
        newest = uow.deliveries.list_failed(post.id, limit=2)
        found = uow.deliveries.list_failed(post.id, limit=10, search="READER1@")
        by_reason = uow.deliveries.count_failed(post.id, search="NO 2")
        total = uow.deliveries.count_failed(post.id)
        recent = uow.deliveries.sent_since(post.id, T0)

    assert [d.email for d in newest] == ["reader2@example.com", "reader1@example.com"]
    assert [d.error for d in found] == ["550 no 1"]
    assert (total, recent, by_reason) == (3, 0, 1)


def test_failures_are_found_by_whether_a_resend_may_reach_them(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 3)
    snapshot(new_uow, post.id, batch_size=10)
    lease = a_lease(post.id)
    claim(new_uow, lease)
    record(new_uow, lease, DeliveryOutcome.failed(readers[0].id, "550 gone", retriable=False))
    record(new_uow, lease, DeliveryOutcome.failed(readers[1].id, "451 later", retriable=True))

    uow = new_uow()
    with uow:
        temporary = uow.deliveries.list_failed(post.id, limit=10, retriable=True)
        permanent = uow.deliveries.count_failed(post.id, retriable=False)
        both = uow.deliveries.count_failed(post.id)

    assert [d.email for d in temporary] == ["reader1@example.com"]
    assert (permanent, both) == (1, 2)
