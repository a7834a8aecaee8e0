"""The SendPostNotifications job over real SMTP: outcomes recorded, retries send only the rest."""

from __future__ import annotations

from collections import Counter

from oolvay.adapters.email.rendering import JinjaNotificationRenderer
from oolvay.adapters.email.smtp import SmtpMailer
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.application.send_post_notifications import (
    NotificationCounts,
    SendPostNotificationsHandler,
)
from oolvay.domain.deliveries import Delivery, DeliveryState
from oolvay.domain.ids import PostId
from oolvay.domain.users import User
from tests.builders import T0, a_post, a_subscriber
from tests.fakes import FakeClock, FakeDeliveryRepository, FakeUnitOfWork
from tests.integration.email.conftest import (
    DroppingSink,
    RefusingSink,
    Sink,
    StartServer,
    plain_mailer,
)


def handler(
    uow: FakeUnitOfWork, mailer: SmtpMailer, batch_size: int
) -> SendPostNotificationsHandler:
    renderer = JinjaNotificationRenderer(
        base_url="https://blog.example.com",
        tokens=HmacUserTokens("k" * 40, purpose="unsubscribe"),
        site_name="Oolvay",
    )
    return SendPostNotificationsHandler(
        uow=uow, mailer=mailer, renderer=renderer, clock=FakeClock(), batch_size=batch_size
    )


def published_to(uow: FakeUnitOfWork, users: list[User]) -> PostId:
    post = a_post(title="Release notes")
    post.publish(T0)
    with uow:
        uow.posts.add(post)
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


def test_a_refused_recipient_fails_only_their_delivery(start_server: StartServer) -> None:
    users = [a_subscriber(n) for n in range(5)]
    sink = RefusingSink({"reader2@example.com": "550 5.1.1 unknown user"})
    uow = FakeUnitOfWork()
    post_id = published_to(uow, users)

    counts = handler(uow, plain_mailer(start_server(sink)), batch_size=2).run(
        post_id, claimant="run-1"
    )

    assert counts == NotificationCounts(sent=4, failed=1, retriable=0)
    assert (
        states(uow, post_id, users)
        == [DeliveryState.SENT] * 2 + [DeliveryState.FAILED] + [DeliveryState.SENT] * 2
    )
    assert failed(uow, post_id)["reader2@example.com"].error == "550 5.1.1 unknown user"


def test_an_invalid_stored_address_fails_with_the_reason_and_the_batch_goes_on(
    start_server: StartServer,
) -> None:
    users = [a_subscriber(n) for n in range(3)]
    users[1].email = "not an address"
    sink = Sink()
    uow = FakeUnitOfWork()
    post_id = published_to(uow, users)

    counts = handler(uow, plain_mailer(start_server(sink)), batch_size=10).run(
        post_id, claimant="run-1"
    )

    assert counts == NotificationCounts(sent=2, failed=1)
    assert sink.recipients == ["reader0@example.com", "reader2@example.com"]
    assert "is not a valid email address" in (failed(uow, post_id)["not an address"].error or "")


def test_after_a_lost_connection_a_retry_sends_only_what_was_not_sent(
    start_server: StartServer,
) -> None:
    users = [a_subscriber(n) for n in range(7)]
    sink = DroppingSink(after=4, times=1_000)
    uow = FakeUnitOfWork()
    post_id = published_to(uow, users)
    send = handler(uow, plain_mailer(start_server(sink)), batch_size=3)

    first = send.run(post_id, claimant="run-1")

    assert first == NotificationCounts(sent=4, failed=3, retriable=3)
    assert states(uow, post_id, users) == [DeliveryState.SENT] * 4 + [DeliveryState.FAILED] * 3

    sink.recover()
    retry = send.run(post_id, claimant="run-2")

    assert retry == NotificationCounts(sent=3, skipped=4)
    assert states(uow, post_id, users) == [DeliveryState.SENT] * 7
    assert Counter(sink.recipients) == Counter({f"reader{n}@example.com": 1 for n in range(7)})


def test_a_connection_that_drops_once_costs_nothing(start_server: StartServer) -> None:
    users = [a_subscriber(n) for n in range(6)]
    sink = DroppingSink(after=2, times=1)
    uow = FakeUnitOfWork()
    post_id = published_to(uow, users)

    counts = handler(uow, plain_mailer(start_server(sink)), batch_size=6).run(
        post_id, claimant="run-1"
    )

    assert counts == NotificationCounts(sent=6)
    assert sorted(sink.recipients) == sorted(u.email for u in users)
