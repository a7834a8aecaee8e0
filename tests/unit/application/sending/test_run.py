import threading

import attrs

from oolvay.application.jobs import SendPostNotifications
from oolvay.application.ports import EmailMessage, SendResult
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.sends import SendState
from tests.builders import a_post, a_subscriber
from tests.fakes import FakeMailer
from tests.unit.application.conftest import World


def test_an_inline_send_reaches_everyone_once_in_parallel_batches(world: World) -> None:
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(7)))

    result = world.send(SendPostNotifications(post_id=post_id))

    assert sorted(world.mailer.recipients) == sorted(f"reader{n}@example.com" for n in range(7))
    assert world.mailer.sessions == 3  # one session per batch of three
    assert result["status"] == "sent"
    assert result["sent"] == 7
    # Running it again sends nothing more.
    assert world.send(SendPostNotifications(post_id=post_id))["sent"] == 7
    assert len(world.mailer.sent) == 7


class CountingConcurrency(FakeMailer):
    """Notes how many sessions are open at once, holding each until two are."""

    def __init__(self) -> None:
        super().__init__()
        self.open_now = 0
        self.most = 0
        self.both_open = threading.Barrier(2, timeout=10)

    def deliver(self, message: EmailMessage, session: int) -> SendResult:
        with self._lock:
            self.open_now += 1
            self.most = max(self.most, self.open_now)
        if session < 2:
            self.both_open.wait()
        with self._lock:
            self.open_now -= 1
        return super().deliver(message, session)


def test_batches_run_concurrently_up_to_the_policy(world: World) -> None:
    world.mailer = mailer = CountingConcurrency()
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(9)))

    world.send(SendPostNotifications(post_id=post_id))

    assert mailer.most == 2  # world.policy.concurrency
    assert len(mailer.sent) == 9


def test_a_send_in_which_some_failed_says_so(world: World) -> None:
    world.mailer = FakeMailer(reject={"reader1@example.com": "550 no such user"})
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(3)))

    result = world.send(SendPostNotifications(post_id=post_id))

    assert result["status"] == "sent_with_failures"
    assert (result["sent"], result["failed"]) == (2, 1)


def test_a_send_in_which_nobody_got_the_email_is_failed_not_completed(world: World) -> None:
    world.mailer = FakeMailer(reject={f"reader{n}@example.com": "550 no" for n in range(2)})
    post_id = world.published(a_post(), a_subscriber(0), a_subscriber(1))

    assert world.send(SendPostNotifications(post_id=post_id))["status"] == "failed"


def test_a_mail_server_that_stays_down_is_waited_for_then_the_send_fails_retriable(
    world: World,
) -> None:
    world.mailer.unavailable_sessions = set(range(1000))
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(9)))

    result = world.send(SendPostNotifications(post_id=post_id))

    overview = world.overview(post_id)
    assert result["status"] == "failed"
    assert overview.progress.retriable == 9
    assert overview.send.error is not None
    assert "mail server unreachable" in overview.send.error


def test_batches_wait_on_one_back_off_instead_of_each_trying_in_turn(world: World) -> None:
    # One batch at a time, so that the fake clock (which every sleep advances) is the
    # send's own: with threads, each one's sleep would move it for all.
    world.policy = attrs.evolve(world.policy, concurrency=1)
    world.mailer.unavailable_sessions = set(range(1000))
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(9)))

    world.send(SendPostNotifications(post_id=post_id))

    # The first batch tries at 0, 1, 3, 7, 15 and 31 s, waiting twice as long each time; at
    # 63 s the minute's wait is over, and every batch gives up without trying again.
    assert world.slept == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    assert world.mailer.sessions == 6
    assert world.overview(post_id).progress.retriable == 9


def test_a_mail_server_that_comes_back_gets_every_email(world: World) -> None:
    world.mailer.unavailable_sessions = {0, 1}
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(6)))

    result = world.send(SendPostNotifications(post_id=post_id))

    assert result["status"] == "sent"
    assert len(world.mailer.sent) == 6
    assert world.overview(post_id).progress[DeliveryState.SENT] == 6


def test_the_send_state_is_never_sent_while_anyone_is_queued(world: World) -> None:
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(4)))
    world.plan(post_id)
    world.batch(post_id, round=0, batch=0, holder="test")

    overview = world.overview(post_id)

    assert overview.state is SendState.SENDING
    assert overview.progress[DeliveryState.QUEUED] == 1
    assert overview.send.finished_at is None
