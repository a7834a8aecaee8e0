import pytest

from oolvay.application.deliveries import GetDeliveryStatus, ResendFailed
from oolvay.application.jobs import SendPostNotifications
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.errors import NothingToResend, PostNotPublished
from tests.builders import T0, a_post, a_subscriber
from tests.fakes import FakeMailer
from tests.unit.application.conftest import World


def test_status_counts_every_state_and_lists_failures(world: World) -> None:
    world.mailer = FakeMailer(reject={"reader1@example.com": "550 unknown user"})
    post = a_post()
    post.publish(T0)
    world.given(post, *(a_subscriber(n) for n in range(4)))
    world.send.run(post.id, claimant="run-1")

    status = GetDeliveryStatus(world.uow)(post.id)

    assert status.counts == {
        DeliveryState.PENDING: 0,
        DeliveryState.SENT: 3,
        DeliveryState.FAILED: 1,
    }
    [failed] = status.failed
    assert (failed.email, failed.error) == ("reader1@example.com", "550 unknown user")


def test_resend_enqueues_the_same_job_and_reaches_only_the_failed(world: World) -> None:
    world.mailer = FakeMailer(defer_sessions={0})
    post = a_post()
    world.given(post, *(a_subscriber(n) for n in range(4)))
    world.publish(post.id)
    world.queue.drain()
    world.mailer = FakeMailer()

    ResendFailed(world.uow, world.queue)(post.id)
    [job] = world.queue.enqueued
    world.queue.drain()

    assert isinstance(job, SendPostNotifications)
    assert job.post_id == post.id
    assert job.reason.startswith("resend-")
    assert sorted(world.mailer.recipients) == [f"reader{n}@example.com" for n in range(3)]


def test_nothing_to_resend_is_a_conflict(world: World) -> None:
    post = a_post()
    world.given(post, a_subscriber(0))
    world.publish(post.id)
    world.queue.drain()

    with pytest.raises(NothingToResend):
        ResendFailed(world.uow, world.queue)(post.id)


def test_a_draft_cannot_be_resent(world: World) -> None:
    post = a_post()
    world.given(post)

    with pytest.raises(PostNotPublished):
        ResendFailed(world.uow, world.queue)(post.id)
    world.queue.assert_nothing_enqueued()


def test_audience_size_counts_who_has_not_got_the_post(world: World) -> None:
    from oolvay.application.deliveries import CountAudience

    post = a_post()
    world.given(post, *(a_subscriber(n) for n in range(3)), a_subscriber(9, bounced=True))
    assert CountAudience(world.uow)(post.id) == 3
    world.publish(post.id)
    world.queue.drain()

    assert CountAudience(world.uow)(post.id) == 0
