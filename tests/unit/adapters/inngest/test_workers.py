import json
import uuid
from typing import Any

import attrs
import inngest
import pytest

from oolvay.adapters.inngest.events import PostPublished
from oolvay.adapters.inngest.functions import WorkerEnv, send_post_notifications_worker
from oolvay.application.jobs import SendPostNotifications
from oolvay.application.send_post_notifications import SendPostNotificationsHandler
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId
from oolvay.domain.posts import Post
from tests.builders import T0, a_post, a_subscriber
from tests.fakes import FakeClock, FakeErrorReporter, FakeMailer, FakeRenderer, FakeUnitOfWork
from tests.unit.adapters.inngest.mocked_runs import mocked_client, run

READERS = 5
BATCH_SIZE = 2


@attrs.define
class World:
    uow: FakeUnitOfWork = attrs.Factory(FakeUnitOfWork)
    mailer: FakeMailer = attrs.Factory(FakeMailer)
    reporter: FakeErrorReporter = attrs.Factory(FakeErrorReporter)

    def env(self, default_retries: int = 3) -> WorkerEnv:
        handler = SendPostNotificationsHandler(
            uow=self.uow,
            mailer=self.mailer,
            renderer=FakeRenderer(),
            clock=FakeClock(),
            batch_size=BATCH_SIZE,
        )
        return WorkerEnv(
            client=mocked_client(),
            default_retries=default_retries,
            handlers=lambda: {SendPostNotifications: handler},
            reporter=self.reporter,
        )

    def worker(self, **options: Any) -> inngest.Function[Any]:
        return send_post_notifications_worker(self.env(), **options)

    def given_a_post(self, *, published: bool = True) -> Post:
        post = a_post()
        if published:
            post.publish(T0)
        with self.uow:
            self.uow.posts.add(post)
            for n in range(READERS):
                self.uow.users.add(a_subscriber(n))
            self.uow.commit()
        return post


@pytest.fixture
def world() -> World:
    return World()


def test_the_worker_emails_every_subscriber_and_returns_its_counts(world: World) -> None:
    post = world.given_a_post()

    result = run(world.worker(), PostPublished.create(post_id=post.id))

    assert result.completed, result.error
    assert sorted(world.mailer.recipients) == [f"reader{n}@example.com" for n in range(READERS)]
    assert result.output == {
        "status": "completed",
        "postId": str(post.id),
        "sent": READERS,
        "skipped": 0,
        "failed": 0,
        "retriable": 0,
    }
    assert json.loads(json.dumps(result.output)) == result.output


def test_each_batch_is_a_step_so_a_completed_batch_is_not_run_again(world: World) -> None:
    post = world.given_a_post()
    first_batch = {"after": str(a_subscriber(1).id), "done": False, "sent": 2}
    first_batch |= {"failed": 0, "retriable": 0, "busy": 0}

    result = run(
        world.worker(),
        PostPublished.create(post_id=post.id),
        stubs={"check-post": 0, "batch-1": first_batch},
    )

    assert result.completed, result.error
    assert world.mailer.recipients == [f"reader{n}@example.com" for n in (2, 3, 4)]
    assert result.output["sent"] == READERS


def test_a_batch_with_transient_failures_is_retried_and_nobody_gets_two_emails(
    world: World,
) -> None:
    post = world.given_a_post()
    world.mailer.defer_sessions = {1}

    result = run(world.worker(), PostPublished.create(post_id=post.id))

    assert result.completed, result.error
    assert sorted(world.mailer.recipients) == [f"reader{n}@example.com" for n in range(READERS)]
    assert world.mailer.sessions == 4  # batch 2 twice
    with world.uow:
        assert world.uow.deliveries.count_by_state(post.id) == {DeliveryState.SENT: READERS}


def test_transient_failures_that_persist_fail_the_run(world: World) -> None:
    post = world.given_a_post()
    world.mailer.defer_sessions = set(range(100))

    result = run(world.worker(retries=1), PostPublished.create(post_id=post.id))

    assert not result.completed
    assert "could not be reached" in str(result.error)
    assert world.mailer.sent == []


def test_an_unknown_post_is_not_worth_retrying(world: World) -> None:
    result = run(world.worker(), PostPublished.create(post_id=PostId(uuid.uuid4())))

    assert isinstance(result.error, inngest.NonRetriableError)
    assert "does not exist" in str(result.error)


def test_an_unpublished_post_is_not_worth_retrying(world: World) -> None:
    post = world.given_a_post(published=False)

    result = run(world.worker(), PostPublished.create(post_id=post.id))

    assert isinstance(result.error, inngest.NonRetriableError)
    assert "is not published" in str(result.error)
    assert world.mailer.sent == []


@pytest.mark.parametrize("data", [{}, {"post_id": "nope"}, {"postId": str(uuid.uuid4())}])
def test_a_malformed_event_is_not_worth_retrying(world: World, data: dict[str, Any]) -> None:
    result = run(world.worker(), inngest.Event(name="post.published", data=data))

    assert isinstance(result.error, inngest.NonRetriableError)
    assert "post.published" in str(result.error)


def retries_of(function: inngest.Function[Any]) -> int | None:
    config = function.get_config("http://127.0.0.1/api/inngest").main
    retries = config.steps["step"].retries
    return retries.attempts if retries is not None else None


def test_retries_follow_the_application_default(world: World) -> None:
    assert retries_of(send_post_notifications_worker(world.env(default_retries=5))) == 5


def test_a_worker_can_declare_its_own_retries(world: World) -> None:
    worker = send_post_notifications_worker(world.env(default_retries=5), retries=1)

    assert retries_of(worker) == 1


def test_the_worker_is_triggered_by_post_published_and_runs_in_a_thread(world: World) -> None:
    worker = world.worker()
    config = worker.get_config("http://127.0.0.1/api/inngest")

    assert [trigger.event for trigger in config.main.triggers] == ["post.published"]  # type: ignore[union-attr]
    assert worker.local_id == "send-post-notifications"
    assert worker.is_handler_async is False
    assert config.on_failure is not None
