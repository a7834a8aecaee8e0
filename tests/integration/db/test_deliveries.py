"""What only a real database can show about the delivery records: races between real
connections, the constraints, and the upgrade of records made before sends existed."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from oolvay.adapters.sqlalchemy.schema import downgrade, upgrade
from oolvay.adapters.sqlalchemy.tables import deliveries, sends
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.domain.deliveries import DeliveryOutcome, DeliveryState
from oolvay.domain.ids import UserId
from tests.builders import T0
from tests.integration.contract.support import (
    a_lease,
    a_published_post_with_readers,
    claim,
    record,
    snapshot,
    states,
)

NewUow = Callable[[], SqlAlchemyUnitOfWork]


def race(runs: int, work: Callable[[int], object]) -> list[object]:
    """Run ``work(n)`` for n in range(runs) in threads released at once; raise any error."""
    start = threading.Barrier(runs)
    results: list[object] = [None] * runs
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            start.wait()
            results[n] = work(n)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_runs_racing_to_claim_one_batch_claim_it_once_between_them(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 300)
    snapshot(new_uow, post.id, batch_size=300)
    leases = [a_lease(post.id) for _ in range(4)]

    claimed = race(4, lambda n: claim(new_uow, leases[n]))

    winners = [ids for ids in claimed if ids]
    assert len(winners) == 1
    assert winners[0] == [reader.id for reader in readers]


def test_runs_racing_to_record_one_recipient_record_it_once(new_uow: NewUow) -> None:
    post, readers = a_published_post_with_readers(new_uow, 1)
    snapshot(new_uow, post.id, batch_size=10)
    lease = a_lease(post.id)
    claim(new_uow, lease)
    outcome = DeliveryOutcome.sent(readers[0].id)

    held = race(4, lambda _: record(new_uow, lease, outcome))

    assert sorted(held) == [False, False, False, True]  # type: ignore[type-var]
    assert states(new_uow, post.id, readers) == [DeliveryState.SENT]


def test_the_database_refuses_a_second_record_for_one_post_and_recipient(
    new_uow: NewUow, engine: Engine
) -> None:
    post, readers = a_published_post_with_readers(new_uow, 1)
    snapshot(new_uow, post.id, batch_size=10)
    row = {
        "post_id": post.id,
        "user_id": readers[0].id,
        "state": "queued",
        "round": 1,
        "batch": 0,
        "retriable": False,
        "attempts": 0,
        "updated_at": T0,
    }

    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.insert(deliveries).values(row))


def test_the_database_refuses_an_unknown_state(new_uow: NewUow, engine: Engine) -> None:
    post, _ = a_published_post_with_readers(new_uow, 1)
    snapshot(new_uow, post.id, batch_size=10)

    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.update(deliveries).values(state="pending"))


def test_the_upgrade_gives_published_posts_a_send_and_fails_what_was_pending(
    make_database: Callable[[], str],
) -> None:
    from oolvay.adapters.sqlalchemy.engine import create_database_engine

    engine = create_database_engine(make_database())
    try:
        upgrade(engine, "0002")
        author, post, reader, other = (uuid.uuid4() for _ in range(4))
        with engine.begin() as connection:
            for user, email in (
                (author, "a@example.com"),
                (reader, "r@example.com"),
                (other, "o@example.com"),
            ):
                connection.execute(
                    sa.text(
                        "INSERT INTO users (id, email, created_at, active, email_verified, bounced,"
                        " wants_post_emails, is_editor) VALUES (:id, :email, :t, TRUE, TRUE, FALSE,"
                        " TRUE, FALSE)"
                    ),
                    {"id": _id(engine, user), "email": email, "t": T0},
                )
            connection.execute(
                sa.text(
                    "INSERT INTO posts (id, title, body, author_id, notification_type, created_at,"
                    " status, published_at, version) VALUES (:id, 't', 'b', :a, 'email', :t,"
                    " 'published', :t, 1)"
                ),
                {"id": _id(engine, post), "a": _id(engine, author), "t": T0},
            )
            for user, state in ((reader, "sent"), (other, "pending")):
                connection.execute(
                    sa.text(
                        "INSERT INTO deliveries (post_id, user_id, state, attempts, claimant,"
                        " updated_at) VALUES (:p, :u, :s, 1, 'inline:x', :t)"
                    ),
                    {"p": _id(engine, post), "u": _id(engine, user), "s": state, "t": T0},
                )

        upgrade(engine)

        with engine.connect() as connection:
            rows = dict(
                connection.execute(sa.select(deliveries.c.user_id, deliveries.c.state)).all()
            )
            send = connection.execute(sa.select(sends)).one()
        assert rows == {UserId(reader): "sent", UserId(other): "failed"}
        assert (send.post_id, send.audience, send.planned_at is not None) == (post, 2, True)
        downgrade(engine, "0002")
    finally:
        engine.dispose()


def _id(engine: Engine, value: uuid.UUID) -> object:
    """UUIDs as each database stores them in plain SQL."""
    return value.hex if engine.dialect.name == "sqlite" else value
