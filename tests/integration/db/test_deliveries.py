"""Delivery records: claims, outcomes, the unique (post, user) constraint, and races."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from oolvay.adapters.sqlalchemy.tables import deliveries
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.domain.deliveries import DeliveryOutcome, DeliveryState
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post
from oolvay.domain.users import User
from tests.builders import T0, a_post, a_subscriber
from tests.integration.db.conftest import an_author, counting_statements, given

NewUow = Callable[[], SqlAlchemyUnitOfWork]
LEASE = timedelta(minutes=15)


def claim(
    uow: SqlAlchemyUnitOfWork, post: Post, users: list[User], claimant: str, minutes: int = 0
) -> set[UserId]:
    now = T0 + timedelta(minutes=minutes)
    with uow:
        claimed = uow.deliveries.claim(
            post.id, [u.id for u in users], claimant=claimant, now=now, stale_before=now - LEASE
        )
        uow.commit()
    return claimed


def record(
    uow: SqlAlchemyUnitOfWork, post: Post, outcomes: list[DeliveryOutcome], claimant: str
) -> None:
    with uow:
        uow.deliveries.record(post.id, outcomes, claimant=claimant, now=T0)
        uow.commit()


def states(uow: SqlAlchemyUnitOfWork, post_id: PostId) -> dict[DeliveryState, int]:
    with uow:
        return dict(uow.deliveries.count_by_state(post_id))


@pytest.fixture
def post_and_readers(uow: SqlAlchemyUnitOfWork) -> tuple[Post, list[User]]:
    post, readers = a_post(), [a_subscriber(n) for n in range(4)]
    given(uow, an_author(), post, *readers)
    return post, readers


def test_new_and_failed_recipients_are_claimed_sent_ones_never(
    uow: SqlAlchemyUnitOfWork, post_and_readers: tuple[Post, list[User]]
) -> None:
    post, (sent, failed, new, _) = post_and_readers
    claim(uow, post, [sent, failed], "first")
    record(
        uow,
        post,
        [DeliveryOutcome.sent(sent.id), DeliveryOutcome.failed(failed.id, "421", retriable=True)],
        "first",
    )

    claimed = claim(uow, post, [sent, failed, new], "second")

    assert claimed == {failed.id, new.id}
    assert states(uow, post.id) == {DeliveryState.SENT: 1, DeliveryState.PENDING: 2}


def test_a_fresh_claim_of_another_run_is_left_alone_until_it_goes_stale(
    uow: SqlAlchemyUnitOfWork, post_and_readers: tuple[Post, list[User]]
) -> None:
    post, (reader, *_) = post_and_readers
    claim(uow, post, [reader], "first")

    assert claim(uow, post, [reader], "second", minutes=14) == set()
    assert claim(uow, post, [reader], "first", minutes=14) == {reader.id}
    assert claim(uow, post, [reader], "second", minutes=30) == {reader.id}


def test_a_claim_counts_attempts_and_clears_the_previous_error(
    uow: SqlAlchemyUnitOfWork, post_and_readers: tuple[Post, list[User]]
) -> None:
    post, (reader, *_) = post_and_readers
    claim(uow, post, [reader], "first")
    record(uow, post, [DeliveryOutcome.failed(reader.id, "421 busy", retriable=True)], "first")
    with uow:
        [before] = uow.deliveries.list_failed(post.id, limit=10)

    claim(uow, post, [reader], "second")
    record(uow, post, [DeliveryOutcome.failed(reader.id, "550 gone", retriable=False)], "second")
    with uow:
        [after] = uow.deliveries.list_failed(post.id, limit=10)

    assert (before.attempts, before.error) == (1, "421 busy")
    assert (after.attempts, after.error) == (2, "550 gone")


def test_outcomes_are_recorded_only_where_the_run_holds_the_claim(
    uow: SqlAlchemyUnitOfWork, post_and_readers: tuple[Post, list[User]]
) -> None:
    post, (mine, theirs, *_) = post_and_readers
    claim(uow, post, [mine], "me")
    claim(uow, post, [theirs], "them")

    record(uow, post, [DeliveryOutcome.sent(mine.id), DeliveryOutcome.sent(theirs.id)], "me")

    assert states(uow, post.id) == {DeliveryState.SENT: 1, DeliveryState.PENDING: 1}


def test_a_sent_record_is_never_overwritten(
    uow: SqlAlchemyUnitOfWork, post_and_readers: tuple[Post, list[User]]
) -> None:
    post, (reader, *_) = post_and_readers
    claim(uow, post, [reader], "me")
    record(uow, post, [DeliveryOutcome.sent(reader.id)], "me")

    record(uow, post, [DeliveryOutcome.failed(reader.id, "late failure", retriable=False)], "me")

    assert states(uow, post.id) == {DeliveryState.SENT: 1}


def test_failed_deliveries_are_listed_oldest_first_with_the_recipients_email(
    uow: SqlAlchemyUnitOfWork, post_and_readers: tuple[Post, list[User]]
) -> None:
    post, (a, b, c, _) = post_and_readers
    claim(uow, post, [a, b, c], "run")
    with uow:
        for minutes, user in [(3, a), (1, b), (2, c)]:
            uow.deliveries.record(
                post.id,
                [DeliveryOutcome.failed(user.id, f"error {minutes}", retriable=False)],
                claimant="run",
                now=T0 + timedelta(minutes=minutes),
            )
        uow.commit()

    with uow:
        failed = uow.deliveries.list_failed(post.id, limit=2)

    assert [(d.email, d.error) for d in failed] == [
        (b.email, "error 1"),
        (c.email, "error 2"),
    ]
    assert failed[0].updated_at == T0 + timedelta(minutes=1)


def test_fail_pending_marks_every_pending_delivery_of_the_post_failed(
    uow: SqlAlchemyUnitOfWork, post_and_readers: tuple[Post, list[User]]
) -> None:
    post, (sent, pending1, pending2, _) = post_and_readers
    claim(uow, post, [sent, pending1, pending2], "run")
    record(uow, post, [DeliveryOutcome.sent(sent.id)], "run")

    with uow:
        changed = uow.deliveries.fail_pending(post.id, error="run abandoned", now=T0)
        uow.commit()

    assert changed == 2
    assert states(uow, post.id) == {DeliveryState.SENT: 1, DeliveryState.FAILED: 2}


def test_claim_and_record_are_one_statement_each_per_batch(
    engine: Engine, uow: SqlAlchemyUnitOfWork, post_and_readers: tuple[Post, list[User]]
) -> None:
    post, readers = post_and_readers

    with uow, counting_statements(engine) as counter:
        ids = [r.id for r in readers]
        uow.deliveries.claim(post.id, ids, claimant="run", now=T0, stale_before=T0)
        uow.deliveries.record(
            post.id, [DeliveryOutcome.sent(i) for i in ids], claimant="run", now=T0
        )

    assert counter.count == 2


def test_the_database_refuses_a_second_record_for_the_same_post_and_user(
    engine: Engine, post_and_readers: tuple[Post, list[User]]
) -> None:
    post, (reader, *_) = post_and_readers
    row = {
        "post_id": post.id,
        "user_id": reader.id,
        "state": "sent",
        "attempts": 1,
        "updated_at": T0,
    }
    with engine.begin() as connection:
        connection.execute(sa.insert(deliveries).values(row))

    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.insert(deliveries).values(row))


def test_two_runs_racing_on_the_same_recipients_each_send_to_different_people(
    new_uow: NewUow, uow: SqlAlchemyUnitOfWork
) -> None:
    post = a_post()
    readers = [a_subscriber(n) for n in range(300)]
    given(uow, an_author(), post, *readers)
    start = threading.Barrier(2)
    claimed: dict[str, set[UserId]] = {}
    errors: list[BaseException] = []

    def run(claimant: str) -> None:
        try:
            own = new_uow()
            start.wait()
            claimed[claimant] = claim(own, post, readers, claimant)
            # Both runs report every reader as sent; only the claim holder's record lands.
            record(own, post, [DeliveryOutcome.sent(r.id) for r in readers], claimant)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert claimed["one"].isdisjoint(claimed["two"])
    assert claimed["one"] | claimed["two"] == {r.id for r in readers}
    assert states(uow, post.id) == {DeliveryState.SENT: 300}


def test_two_sessions_racing_to_record_the_same_send_leave_one_record(
    new_uow: NewUow, uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    post, reader = a_post(), a_subscriber(1)
    given(uow, an_author(), post, reader)
    start = threading.Barrier(2)
    results: dict[str, set[UserId]] = {}
    errors: list[BaseException] = []

    def run(claimant: str) -> None:
        try:
            own = new_uow()
            start.wait()
            results[claimant] = claim(own, post, [reader], claimant)
            record(own, post, [DeliveryOutcome.sent(reader.id)], claimant)
        except BaseException as error:
            errors.append(error)

    for _ in range(10):
        results.clear()
        with engine.begin() as connection:
            connection.execute(sa.delete(deliveries))
        threads = [threading.Thread(target=run, args=(name,)) for name in ("one", "two")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

        assert errors == []
        assert sorted(len(claimed) for claimed in results.values()) == [0, 1]
        with engine.connect() as connection:
            rows = connection.execute(sa.select(deliveries.c.state, deliveries.c.claimant)).all()
        [winner] = [name for name, claimed in results.items() if claimed]
        assert rows == [("sent", winner)]
