import pytest

from oolvay.application.jobs import SendPostNotifications
from oolvay.application.ports import EmailMessage, SendResult
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.errors import NothingToResend
from oolvay.domain.sends import SendState
from tests.builders import a_post, a_subscriber
from tests.fakes import FakeMailer
from tests.unit.application.conftest import World


def test_a_resend_sends_to_whoever_failed_in_a_new_round_and_nobody_twice(world: World) -> None:
    world.mailer = FakeMailer(reject={"reader1@example.com": "451 try later"})
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(4)))
    world.send(SendPostNotifications(post_id=post_id))
    world.mailer.reject.clear()

    resent = world.resend(post_id)
    world.queue.drain()

    assert resent.requeued == 1
    assert resent.round == 1
    world.queue.assert_nothing_enqueued()
    assert world.mailer.recipients.count("reader1@example.com") == 1
    assert len(world.mailer.sent) == 4
    assert world.overview(post_id).state is SendState.SENT


def test_a_resend_with_nothing_left_is_refused(world: World) -> None:
    post_id = world.published(a_post(), a_subscriber(1))
    world.send(SendPostNotifications(post_id=post_id))

    with pytest.raises(NothingToResend):
        world.resend(post_id)
    world.queue.assert_nothing_enqueued()


def test_a_send_never_planned_is_planned_by_its_resend(world: World) -> None:
    post_id = world.published(a_post(), a_subscriber(1), a_subscriber(2))
    world.plan.give_up(post_id, reason="gave up")

    resent = world.resend(post_id)
    world.queue.drain()

    assert resent.requeued is None
    assert len(world.mailer.sent) == 2
    assert world.overview(post_id).state is SendState.SENT


class Crash(Exception):
    """The process dies here (as far as the batch can tell)."""


class DiesOnTheSecondMessage(FakeMailer):
    def deliver(self, message: EmailMessage, session: int) -> SendResult:
        if len(self.sent) == 1:
            raise Crash
        return super().deliver(message, session)


def test_uncertain_recipients_are_resent_only_when_asked(world: World) -> None:
    world.mailer = DiesOnTheSecondMessage()
    post_id = world.published(a_post(), a_subscriber(1), a_subscriber(2))
    with pytest.raises(Crash):
        world.send(SendPostNotifications(post_id=post_id))
    world.clock.advance(seconds=world.policy.dead_after.total_seconds() + 1)
    world.mailer = FakeMailer()

    with pytest.raises(NothingToResend, match="1 uncertain"):
        world.resend(post_id)
    assert world.overview(post_id).progress[DeliveryState.UNCERTAIN] == 1
    world.resend(post_id, include_uncertain=True)
    world.queue.drain()

    assert world.mailer.recipients == ["reader2@example.com"]
    assert world.overview(post_id).state is SendState.SENT


def test_a_cancelled_send_stops_and_a_resend_takes_it_up_again(world: World) -> None:
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(4)))
    world.plan(post_id)

    assert world.cancel(post_id) == 4
    world.send(SendPostNotifications(post_id=post_id))
    assert world.mailer.sent == []
    assert world.overview(post_id).state is SendState.CANCELLED

    world.resend(post_id)
    world.queue.drain()
    assert len(world.mailer.sent) == 4
    assert world.overview(post_id).state is SendState.SENT
