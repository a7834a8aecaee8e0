from collections.abc import Iterator

import pytest

from oolvay.application.ports import EmailMessage, SendResult
from oolvay.application.sending.batch import BatchDeferred
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId
from tests.builders import a_post, a_subscriber
from tests.fakes import FakeMailer
from tests.unit.application.conftest import World


def planned(world: World, readers: int) -> PostId:
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(readers)))
    world.plan(post_id)
    return post_id


def test_a_batch_sends_each_of_its_recipients_once_in_order_recording_each(world: World) -> None:
    post_id = planned(world, 5)
    commits = world.uow.commits

    report = world.batch(post_id, round=0, batch=1, holder="test")

    assert world.mailer.recipients == ["reader3@example.com", "reader4@example.com"]
    assert report.progress[DeliveryState.SENT] == 2
    # The claim, one record per message, and the lease given back.
    assert world.uow.commits - commits >= 2 + 2
    assert world.batch(post_id, round=0, batch=1, holder="test").progress[DeliveryState.SENT] == 2
    assert len(world.mailer.sent) == 2


def test_refusals_are_recorded_for_good_or_for_now_and_the_batch_goes_on(world: World) -> None:
    world.mailer = FakeMailer(reject={"reader0@example.com": "550 5.1.1 no such user"})
    broken = a_subscriber(1)
    broken.email = "two@@example.com"  # stored before addresses were checked as now
    post_id = world.published(a_post(), a_subscriber(0), broken, a_subscriber(2))
    world.plan(post_id)

    report = world.batch(post_id, round=0, batch=0, holder="test")

    assert world.mailer.recipients == ["reader2@example.com"]
    assert report.progress[DeliveryState.FAILED] == 2
    assert report.progress.retriable == 0
    failed = {d.email: d.error for d in world.overview(post_id).failed}
    assert failed["reader0@example.com"] == "550 5.1.1 no such user"


def test_an_unavailable_mail_server_defers_the_batch_and_queues_it_again(world: World) -> None:
    post_id = planned(world, 3)
    world.mailer.unavailable_sessions = {0}

    with pytest.raises(BatchDeferred) as deferred:
        world.batch(post_id, round=0, batch=0, holder="test")

    assert deferred.value.reason == "mail server unreachable"
    assert world.overview(post_id).progress[DeliveryState.QUEUED] == 3
    # Until the back-off is over, other batches do not even try.
    with pytest.raises(BatchDeferred):
        world.batch(post_id, round=0, batch=0, holder="test")
    assert world.mailer.sessions == 1
    world.clock.advance(seconds=deferred.value.retry_after)
    world.batch(post_id, round=0, batch=0, holder="test")
    assert len(world.mailer.sent) == 3


class TakenOverMidway(FakeMailer):
    """Another run takes the batch over (this one was presumed dead) after one message."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.world = world

    def deliver(self, message: EmailMessage, session: int) -> SendResult:
        result = super().deliver(message, session)
        if len(self.sent) == 1:
            self.world.clock.advance(minutes=20)  # past the claim lease
            with self.world.uow:
                post_id = next(iter(self.world.uow.store.sends))
                now = self.world.clock.now()
                self.world.uow.deliveries.reap(
                    post_id, liveness=self.world.policy.liveness(now), now=now
                )
                self.world.uow.commit()
        return result


def test_a_run_whose_lease_was_taken_over_stops_sending(world: World) -> None:
    world.mailer = TakenOverMidway(world)
    post_id = planned(world, 3)

    report = world.batch(post_id, round=0, batch=0, holder="slow")

    assert len(world.mailer.sent) == 1
    # The one sent is not recorded (its lease is gone): it is uncertain, the rest queued.
    assert report.progress[DeliveryState.UNCERTAIN] == 1
    assert report.progress[DeliveryState.QUEUED] == 2


def test_a_batch_given_up_fails_what_it_did_not_send_for_a_resend(world: World) -> None:
    post_id = planned(world, 3)

    failed = world.batch.give_up(post_id, round=0, batches=range(1), reason="gave up: 421 busy")

    overview = world.overview(post_id)
    assert failed == 3
    assert overview.progress.retriable == 3
    assert overview.send.error == "gave up: 421 busy"


@pytest.fixture(autouse=True)
def _no_threads_left(world: World) -> Iterator[None]:
    yield
    with world.heartbeats._lock:
        assert not world.heartbeats._held


def test_a_message_the_server_took_ends_the_row_of_failures_its_back_off_doubles_on(
    world: World,
) -> None:
    post_id = planned(world, 6)
    world.mailer.throttle_wait = None  # no hint: the back-off alone says how long
    world.mailer.throttle = {"reader1@example.com"}
    with pytest.raises(BatchDeferred) as first:
        world.batch(post_id, round=0, batch=0, holder="test")
    world.clock.advance(seconds=first.value.retry_after)

    world.mailer.throttle = {"reader2@example.com"}  # reader1 goes through this time
    with pytest.raises(BatchDeferred) as second:
        world.batch(post_id, round=0, batch=0, holder="test")

    assert world.mailer.recipients == ["reader0@example.com", "reader1@example.com"]
    assert second.value.retry_after == first.value.retry_after == 1.0
