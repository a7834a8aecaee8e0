"""The foundation's use cases, unchanged, on a real database."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from dependency_injector import providers
from sqlalchemy.engine import Engine

from oolvay.adapters.inline.queue import InlineJobQueue
from oolvay.adapters.sqlalchemy.bulk import bulk_insert_users
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.application.jobs import SendPostNotifications
from oolvay.application.ports import DispatchStatus
from oolvay.application.publish_post import PublishPost
from oolvay.composition_root import build_container
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.posts import PostStatus
from oolvay.domain.sends import Send, SendState
from oolvay.domain.users import POST_EMAIL_AUDIENCE
from oolvay.settings import load_settings
from tests.builders import T0, a_policy, a_post, a_subscriber
from tests.fakes import FakeClock, FakeErrorReporter, FakeMailer, FakeRenderer
from tests.integration.db.conftest import an_author, counting_statements, given
from tests.sending import sending

NewUow = Callable[[], SqlAlchemyUnitOfWork]


def test_publishing_emails_each_subscriber_once_and_a_rerun_emails_nobody(
    new_uow: NewUow,
) -> None:
    post = a_post()
    readers = [a_subscriber(n) for n in range(7)]
    opted_out = a_subscriber(8, wants_post_emails=False)
    given(new_uow(), an_author(), post, *readers, opted_out)
    mailer = FakeMailer(reject={readers[3].email: "550 no such user"})
    send = sending(new_uow, mailer)
    queue = InlineJobQueue(
        handlers={SendPostNotifications: send.handler}, reporter=FakeErrorReporter()
    )

    result = PublishPost(uow=new_uow(), queue=queue, clock=FakeClock())(post.id)

    assert result.dispatch is not None
    assert result.dispatch.status is DispatchStatus.RAN
    assert result.dispatch.result is not None
    assert result.dispatch.result["status"] == "sent_with_failures"
    assert (result.dispatch.result["sent"], result.dispatch.result["failed"]) == (6, 1)
    assert sorted(mailer.recipients) == sorted(r.email for r in readers if r is not readers[3])
    with new_uow() as uow:
        stored = uow.posts.get(post.id)
        assert stored is not None
        assert (stored.status, stored.version) == (PostStatus.PUBLISHED, 1)
        [failure] = uow.deliveries.list_failed(post.id, limit=10)
        assert (failure.email, failure.error) == (readers[3].email, "550 no such user")

    again = FakeMailer()
    rerun = sending(new_uow, again).handler.run(post.id, holder="rerun")

    assert again.recipients == []
    assert rerun.progress[DeliveryState.SENT] == 6


def test_statements_per_batch_and_per_message_do_not_grow_with_the_audience(
    new_uow: NewUow, engine: Engine
) -> None:
    """A batch costs the same statements whether 20 or 500 people follow; a message costs
    two (its outcome, the next in flight) in a transaction of its own."""
    given(new_uow(), an_author())
    per_batch: dict[int, int] = {}
    for audience in (20, 500):
        post = a_post()
        post.publish(T0)
        given(new_uow(), post)
        with new_uow() as uow:
            uow.sends.add(Send.new(post.id, now=T0))
            uow.commit()
        with engine.begin() as connection:
            first = 10_000 * audience
            bulk_insert_users(connection, (a_subscriber(first + n) for n in range(audience)))
        send = sending(new_uow, FakeMailer(), policy=a_policy(batch_size=10))
        with counting_statements(engine) as planning:
            send.plan(post.id)
        with counting_statements(engine) as one_batch:
            send.batch(post.id, round=0, batch=1, holder="test")
        per_batch[audience] = one_batch.count
        records = [
            s
            for s in one_batch.statements
            if s.startswith("UPDATE deliveries") and "deliveries.user_id = " in s
        ]
        assert len(records) == 10
        assert planning.count <= 6

    assert per_batch[20] == per_batch[500]


def test_two_planners_at_once_snapshot_the_audience_once(new_uow: NewUow) -> None:
    post = a_post()
    post.publish(T0)
    given(new_uow(), an_author(), post, *(a_subscriber(n) for n in range(50)))
    with new_uow() as uow:
        uow.sends.add(Send.new(post.id, now=T0))
        uow.commit()
    send = sending(new_uow, FakeMailer())

    with ThreadPoolExecutor(4) as pool:
        plans = list(pool.map(lambda _: send.plan(post.id), range(8)))

    assert {plan.audience for plan in plans} == {50}
    assert send.status(post.id).progress[DeliveryState.QUEUED] == 50
    assert send.status(post.id).state is SendState.QUEUED


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
        assert result.dispatch.result is not None
        assert (result.dispatch.result["status"], result.dispatch.result["sent"]) == ("sent", 1)
        assert mailer.recipients == [reader.email]
    finally:
        container.db_engine().dispose()


def test_a_mailbox_the_server_says_does_not_exist_is_suppressed_in_the_database(
    new_uow: NewUow,
) -> None:
    post = a_post()
    post.publish(T0)
    gone, kept = a_subscriber(1), a_subscriber(2)
    given(new_uow(), an_author(), post, gone, kept)
    with new_uow() as uow:
        uow.sends.add(Send.new(post.id, now=T0))
        uow.commit()
    mailer = FakeMailer(reject={gone.email: "550 5.1.1 no such user here"})

    sending(new_uow, mailer).handler.run(post.id, holder="test")

    with new_uow() as uow:
        stored = uow.users.get(gone.id)
        [event] = uow.bounce_events.for_user(gone.id, limit=10)
        audience = uow.users.count_audience(POST_EMAIL_AUDIENCE)
    assert stored is not None
    assert stored.bounced
    assert (event.status, event.source, event.post_id) == ("5.1.1", "smtp", post.id)
    assert audience == 1
