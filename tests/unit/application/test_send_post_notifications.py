import uuid
from collections.abc import Callable
from typing import TypeVar

import pytest

from oolvay.application.send_post_notifications import (
    NotificationCounts,
    SendPostNotificationsHandler,
)
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.errors import PostNotFound, PostNotPublished
from oolvay.domain.ids import PostId
from tests.builders import T0, a_post, a_subscriber
from tests.fakes import (
    FakeClock,
    FakeDeliveryRepository,
    FakeMailer,
    FakeRenderer,
    FakeUnitOfWork,
)
from tests.unit.application.conftest import World


def published(world: World, *users: object) -> PostId:
    post = a_post()
    post.publish(T0)
    world.given(post, *users)  # type: ignore[arg-type]
    return post.id


def state(world: World, post_id: PostId, n: int) -> DeliveryState | None:
    with world.uow:
        repo = world.uow.deliveries
        assert isinstance(repo, FakeDeliveryRepository)
        return repo.state_of(post_id, a_subscriber(n).id)


def test_every_eligible_subscriber_gets_exactly_one_email(world: World) -> None:
    post_id = published(world, *(a_subscriber(n) for n in range(7)))

    counts = world.send.run(post_id, claimant="run-1")

    assert sorted(world.mailer.recipients) == sorted(f"reader{n}@example.com" for n in range(7))
    assert counts == NotificationCounts(sent=7, skipped=0, failed=0)
    assert world.mailer.sessions == 3  # 7 recipients in batches of 3


def test_ineligible_and_opted_out_users_get_nothing(world: World) -> None:
    post_id = published(
        world,
        a_subscriber(1),
        a_subscriber(2, active=False),
        a_subscriber(3, email_verified=False),
        a_subscriber(4, bounced=True),
        a_subscriber(5, wants_post_emails=False),
    )

    world.send.run(post_id, claimant="run-1")

    assert world.mailer.recipients == ["reader1@example.com"]


def test_running_twice_sends_nothing_the_second_time(world: World) -> None:
    post_id = published(world, *(a_subscriber(n) for n in range(5)))
    world.send.run(post_id, claimant="run-1")
    world.mailer.sent.clear()

    counts = world.send.run(post_id, claimant="run-2")

    assert world.mailer.sent == []
    assert counts == NotificationCounts(sent=0, skipped=5, failed=0)


def test_a_mailer_failure_on_one_batch_keeps_the_others(world: World) -> None:
    world.mailer = FakeMailer(defer_sessions={1})
    post_id = published(world, *(a_subscriber(n) for n in range(7)))

    counts = world.send.run(post_id, claimant="run-1")

    assert counts == NotificationCounts(sent=4, skipped=0, failed=3, retriable=3)
    assert [state(world, post_id, n) for n in range(7)] == [DeliveryState.SENT] * 3 + [
        DeliveryState.FAILED
    ] * 3 + [DeliveryState.SENT]


def test_a_mailer_that_raises_fails_only_its_batch(world: World) -> None:
    world.mailer = FakeMailer(unavailable_sessions={0})
    post_id = published(world, *(a_subscriber(n) for n in range(4)))

    counts = world.send.run(post_id, claimant="run-1")

    assert counts == NotificationCounts(sent=1, skipped=0, failed=3, retriable=3)
    with world.uow:
        failed = world.uow.deliveries.list_failed(post_id, limit=10)
    assert {d.email for d in failed} == {f"reader{n}@example.com" for n in range(3)}
    assert all("mail server unreachable" in (d.error or "") for d in failed)


def test_a_retry_sends_only_what_failed(world: World) -> None:
    world.mailer = FakeMailer(defer_sessions={0})
    post_id = published(world, *(a_subscriber(n) for n in range(5)))
    world.send.run(post_id, claimant="run-1")
    first = list(world.mailer.recipients)
    world.mailer = FakeMailer()

    counts = world.send.run(post_id, claimant="run-2")

    assert sorted(world.mailer.recipients) == [f"reader{n}@example.com" for n in range(3)]
    assert not set(first) & set(world.mailer.recipients)
    assert counts == NotificationCounts(sent=3, skipped=2, failed=0)


def test_a_refused_recipient_fails_alone(world: World) -> None:
    world.mailer = FakeMailer(reject={"reader1@example.com": "550 no such user"})
    post_id = published(world, *(a_subscriber(n) for n in range(3)))

    counts = world.send.run(post_id, claimant="run-1")

    assert counts == NotificationCounts(sent=2, failed=1, retriable=0)
    with world.uow:
        [failed] = world.uow.deliveries.list_failed(post_id, limit=10)
    assert (failed.email, failed.error) == ("reader1@example.com", "550 no such user")


def test_an_invalid_stored_address_is_a_failed_delivery_and_the_batch_goes_on(world: World) -> None:
    broken = a_subscriber(1)
    broken.email = "not an address"
    post_id = published(world, a_subscriber(0), broken, a_subscriber(2))

    counts = world.send.run(post_id, claimant="run-1")

    assert sorted(world.mailer.recipients) == ["reader0@example.com", "reader2@example.com"]
    assert counts.failed == 1
    with world.uow:
        [failed] = world.uow.deliveries.list_failed(post_id, limit=10)
    assert "not a valid email address" in (failed.error or "")


def test_a_live_claim_of_another_run_is_left_alone(world: World) -> None:
    post_id = published(world, *(a_subscriber(n) for n in range(3)))
    with world.uow:
        world.uow.deliveries.claim(
            post_id, [a_subscriber(1).id], claimant="other", now=T0, stale_before=T0
        )
        world.uow.commit()

    counts = world.send.run(post_id, claimant="run-1")

    assert "reader1@example.com" not in world.mailer.recipients
    assert counts == NotificationCounts(sent=2, skipped=1)


def test_a_stale_claim_of_a_dead_run_is_taken_over(world: World) -> None:
    post_id = published(world, *(a_subscriber(n) for n in range(2)))
    with world.uow:
        world.uow.deliveries.claim(
            post_id, [a_subscriber(1).id], claimant="dead", now=T0, stale_before=T0
        )
        world.uow.commit()
    world.clock.advance(minutes=16)

    counts = world.send.run(post_id, claimant="run-1")

    assert sorted(world.mailer.recipients) == ["reader0@example.com", "reader1@example.com"]
    assert counts.sent == 2


def test_a_retry_of_the_same_run_reclaims_its_own_pending(world: World) -> None:
    post_id = published(world, a_subscriber(0))
    with world.uow:
        world.uow.deliveries.claim(
            post_id, [a_subscriber(0).id], claimant="run-1", now=T0, stale_before=T0
        )
        world.uow.commit()

    world.send.run(post_id, claimant="run-1")

    assert world.mailer.recipients == ["reader0@example.com"]


def test_unknown_or_unpublished_posts_are_refused(world: World) -> None:
    draft = a_post()
    world.given(draft)

    with pytest.raises(PostNotFound):
        world.send.run(PostId(uuid.uuid4()), claimant="run-1")
    with pytest.raises(PostNotPublished):
        world.send.run(draft.id, claimant="run-1")


def test_batches_report_progress(world: World) -> None:
    post_id = published(world, *(a_subscriber(n) for n in range(4)))
    seen = []

    world.send.run(post_id, claimant="run-1", on_batch=lambda b: seen.append((b.sent, b.done)))

    assert seen == [(3, False), (1, True)]


T = TypeVar("T")


class StoreUnavailable(Exception):
    """A database error that may pass, as a retry policy would classify it."""


class CommitFailsAt(FakeUnitOfWork):
    """Fails the n-th commit (1-based): the record of a batch, once the mail has gone."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n, self.attempts = n, 0

    def commit(self) -> None:
        self.attempts += 1
        if self.attempts == self.n:
            raise StoreUnavailable("connection lost")
        super().commit()


def retry_once_on_unavailable(transaction: Callable[[], T]) -> T:
    try:
        return transaction()
    except StoreUnavailable:
        return transaction()


def test_a_record_that_fails_once_is_written_by_the_retry_and_nobody_is_mailed_twice() -> None:
    uow = CommitFailsAt(3)  # 1: the test's data, 2: the first claim, 3: its record
    mailer = FakeMailer()
    post = a_post()
    post.publish(T0)
    with uow:
        uow.posts.add(post)
        for n in range(5):
            uow.users.add(a_subscriber(n))
        uow.commit()
    send = SendPostNotificationsHandler(
        uow=uow,
        mailer=mailer,
        renderer=FakeRenderer(),
        clock=FakeClock(),
        batch_size=3,
        retry=retry_once_on_unavailable,
    )

    counts = send.run(post.id, claimant="run-1")

    assert sorted(mailer.recipients) == [f"reader{n}@example.com" for n in range(5)]
    assert counts.sent == 5
    with uow:
        assert uow.deliveries.count_by_state(post.id) == {DeliveryState.SENT: 5}
