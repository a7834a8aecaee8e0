"""The foundation's use cases, unchanged, on a real database."""

from __future__ import annotations

from collections.abc import Callable

from dependency_injector import providers
from sqlalchemy.engine import Engine

from oolvay.adapters.inline.queue import InlineJobQueue
from oolvay.adapters.sqlalchemy.bulk import bulk_insert_users
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.application.jobs import SendPostNotifications
from oolvay.application.ports import DispatchStatus
from oolvay.application.publish_post import PublishPost
from oolvay.application.send_post_notifications import SendPostNotificationsHandler
from oolvay.composition_root import build_container
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.posts import PostStatus
from oolvay.settings import load_settings
from tests.builders import a_post, a_subscriber
from tests.fakes import FakeClock, FakeErrorReporter, FakeMailer, FakeRenderer
from tests.integration.db.conftest import an_author, counting_statements, given

NewUow = Callable[[], SqlAlchemyUnitOfWork]


def handler(new_uow: NewUow, mailer: FakeMailer, batch_size: int) -> SendPostNotificationsHandler:
    return SendPostNotificationsHandler(
        uow=new_uow(),
        mailer=mailer,
        renderer=FakeRenderer(),
        clock=FakeClock(),
        batch_size=batch_size,
    )


def test_publishing_emails_each_subscriber_once_and_a_rerun_emails_nobody(
    new_uow: NewUow,
) -> None:
    post = a_post()
    readers = [a_subscriber(n) for n in range(7)]
    opted_out = a_subscriber(8, wants_post_emails=False)
    given(new_uow(), an_author(), post, *readers, opted_out)
    mailer = FakeMailer(reject={readers[3].email: "550 no such user"})
    send = handler(new_uow, mailer, batch_size=3)
    queue = InlineJobQueue(handlers={SendPostNotifications: send}, reporter=FakeErrorReporter())

    result = PublishPost(uow=new_uow(), queue=queue, clock=FakeClock())(post.id)

    assert result.dispatch is not None
    assert result.dispatch.status is DispatchStatus.COMPLETED
    assert result.dispatch.result == {"sent": 6, "skipped": 0, "failed": 1, "retriable": 0}
    assert sorted(mailer.recipients) == sorted(r.email for r in readers if r is not readers[3])
    with new_uow() as uow:
        stored = uow.posts.get(post.id)
        assert stored is not None
        assert (stored.status, stored.version) == (PostStatus.PUBLISHED, 1)
        assert uow.deliveries.count_by_state(post.id) == {
            DeliveryState.SENT: 6,
            DeliveryState.FAILED: 1,
        }
        [failure] = uow.deliveries.list_failed(post.id, limit=10)
        assert (failure.email, failure.error) == (readers[3].email, "550 no such user")

    again = FakeMailer()
    counts = handler(new_uow, again, batch_size=3).run(post.id, claimant="rerun")

    assert again.recipients == [readers[3].email]
    assert (counts.sent, counts.skipped) == (1, 6)


def test_round_trips_per_batch_do_not_grow_with_the_audience(
    new_uow: NewUow, engine: Engine
) -> None:
    """Every full batch costs the same statements, whether 20 or 500 people follow."""
    given(new_uow(), an_author())
    per_batch: dict[int, set[int]] = {}
    for audience in (20, 500):
        post = a_post()
        given(new_uow(), post)
        with engine.begin() as connection:
            first = 10_000 * audience
            bulk_insert_users(connection, (a_subscriber(first + n) for n in range(audience)))
        with new_uow() as uow:
            loaded = uow.posts.get(post.id)
            assert loaded is not None
            loaded.publish(FakeClock().now())
            uow.posts.update(loaded)
            uow.commit()
        send = handler(new_uow, FakeMailer(), batch_size=10)
        counts: list[int] = []
        after = None
        while True:
            with counting_statements(engine) as counter:
                batch = send.send_batch(post.id, after=after, claimant="run")
            if batch.done:
                break
            counts.append(counter.count)
            after = batch.after
        per_batch[audience] = set(counts)

    assert per_batch[20] == per_batch[500]
    assert len(per_batch[20]) == 1
    # Read the post, the audience page, claim; then record the outcomes.
    assert per_batch[20] == {4}


def test_the_container_wires_the_database_from_DATABASE_URL(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    container = build_container(load_settings({"DATABASE_URL": url}))
    mailer = FakeMailer()
    container.mailer.override(providers.Object(mailer))
    container.notification_renderer.override(providers.Object(FakeRenderer()))
    try:
        post, reader = a_post(), a_subscriber(1)
        given(container.uow(), an_author(), post, reader)

        result = container.publish_post()(post.id)

        assert container.uow() is not container.uow()
        assert container.database_problem() is None
        assert result.dispatch is not None
        assert result.dispatch.result == {"sent": 1, "skipped": 0, "failed": 0, "retriable": 0}
        assert mailer.recipients == [reader.email]
    finally:
        container.db_engine().dispose()
