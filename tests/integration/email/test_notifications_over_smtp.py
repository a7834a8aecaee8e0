"""The SendPostNotifications job over real SMTP: outcomes recorded, retries send only the rest."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from oolvay.adapters.email.rendering import JinjaNotificationRenderer
from oolvay.adapters.email.smtp import SmtpMailer
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.application.sending.status import SendOverview
from oolvay.domain.deliveries import Delivery, DeliveryState
from oolvay.domain.ids import PostId
from oolvay.domain.sends import Send, SendState
from oolvay.domain.users import User
from tests.builders import T0, a_policy, a_post, a_subscriber
from tests.fakes import FakeUnitOfWork
from tests.fakes.sending import FakeDeliveryRepository
from tests.integration.email.conftest import (
    DroppingSink,
    RefusingSink,
    Sink,
    StartServer,
    plain_mailer,
)
from tests.sending import Sending, sending


def a_sender(uow: FakeUnitOfWork, mailer: SmtpMailer, batch_size: int) -> Sending:
    renderer = JinjaNotificationRenderer(
        base_url="https://blog.example.com",
        tokens=HmacUserTokens("k" * 40, purpose="unsubscribe"),
        site_name="Oolvay",
    )
    # No waiting for a server that drops the connection: the batches left fail at once.
    policy = a_policy(batch_size=batch_size, concurrency=1, inline_wait=timedelta(0))
    return sending(lambda: uow, mailer, renderer=renderer, policy=policy)


def published_to(uow: FakeUnitOfWork, users: list[User]) -> PostId:
    post = a_post(title="Release notes")
    post.publish(T0)
    with uow:
        uow.posts.add(post)
        uow.sends.add(Send.new(post.id, now=T0))
        for user in users:
            uow.users.add(user)
        uow.commit()
    return post.id


def states(uow: FakeUnitOfWork, post_id: PostId, users: list[User]) -> list[DeliveryState | None]:
    with uow:
        repo = uow.deliveries
        assert isinstance(repo, FakeDeliveryRepository)
        return [repo.state_of(post_id, user.id) for user in users]


def failed(uow: FakeUnitOfWork, post_id: PostId) -> dict[str, Delivery]:
    with uow:
        return {d.email or "": d for d in uow.deliveries.list_failed(post_id, limit=100)}


def counts(overview: SendOverview) -> tuple[int, int, int]:
    """Sent, failed, and of those failed, retriable."""
    p = overview.progress
    return p[DeliveryState.SENT], p[DeliveryState.FAILED], p.retriable


def test_a_refused_recipient_fails_only_their_delivery(start_server: StartServer) -> None:
    users = [a_subscriber(n) for n in range(5)]
    sink = RefusingSink({"reader2@example.com": "550 5.1.1 unknown user"})
    uow = FakeUnitOfWork()
    post_id = published_to(uow, users)

    overview = a_sender(uow, plain_mailer(start_server(sink)), batch_size=2).handler.run(
        post_id, holder="run-1"
    )

    assert counts(overview) == (4, 1, 0)
    assert overview.state is SendState.SENT_WITH_FAILURES
    assert (
        states(uow, post_id, users)
        == [DeliveryState.SENT] * 2 + [DeliveryState.FAILED] + [DeliveryState.SENT] * 2
    )
    assert failed(uow, post_id)["reader2@example.com"].error == "550 5.1.1 unknown user"


def test_an_invalid_stored_address_fails_with_the_reason_and_the_batch_goes_on(
    start_server: StartServer,
) -> None:
    users = [a_subscriber(n) for n in range(3)]
    users[1].email = "not an address"  # stored before addresses were checked as now
    sink = Sink()
    uow = FakeUnitOfWork()
    post_id = published_to(uow, users)

    overview = a_sender(uow, plain_mailer(start_server(sink)), batch_size=10).handler.run(
        post_id, holder="run-1"
    )

    assert counts(overview) == (2, 1, 0)
    assert sink.recipients == ["reader0@example.com", "reader2@example.com"]
    assert "is not a valid email address" in (failed(uow, post_id)["not an address"].error or "")


def test_after_a_lost_connection_a_retry_sends_only_what_was_not_sent(
    start_server: StartServer,
) -> None:
    users = [a_subscriber(n) for n in range(7)]
    sink = DroppingSink(after=4, times=1_000)
    uow = FakeUnitOfWork()
    post_id = published_to(uow, users)
    send = a_sender(uow, plain_mailer(start_server(sink)), batch_size=3)

    first = send.handler.run(post_id, holder="run-1")

    assert counts(first) == (4, 3, 3)
    assert "stayed unavailable" in (first.send.error or "")
    assert Counter(states(uow, post_id, users)) == Counter(
        [DeliveryState.SENT] * 4 + [DeliveryState.FAILED] * 3
    )

    sink.recover()
    send.resend(post_id)
    retry = send.handler.run(post_id, holder="run-2")

    assert counts(retry) == (7, 0, 0)
    assert retry.state is SendState.SENT
    assert states(uow, post_id, users) == [DeliveryState.SENT] * 7
    assert Counter(sink.recipients) == Counter({f"reader{n}@example.com": 1 for n in range(7)})


def test_a_connection_that_drops_once_costs_nothing(start_server: StartServer) -> None:
    users = [a_subscriber(n) for n in range(6)]
    sink = DroppingSink(after=2, times=1)
    uow = FakeUnitOfWork()
    post_id = published_to(uow, users)

    overview = a_sender(uow, plain_mailer(start_server(sink)), batch_size=6).handler.run(
        post_id, holder="run-1"
    )

    assert counts(overview) == (6, 0, 0)
    assert sorted(sink.recipients) == sorted(u.email for u in users)
