"""The send's workers through the SDK's ``mocked`` runner: plan, fan out, send batches."""

import json
import uuid
from collections import Counter
from typing import Any

import inngest
import pytest

from oolvay.adapters.inngest import notification_workers
from oolvay.adapters.inngest.events import BatchReady, PostPublished
from oolvay.adapters.inngest.functions import WorkerEnv
from oolvay.adapters.inngest.notification_workers import (
    DISPATCH_STEPS,
    batch_throttle,
    fan_out_worker,
    send_batch_worker,
    send_post_notifications_worker,
)
from oolvay.application.jobs import SendPostNotifications
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId
from oolvay.domain.sends import SendState
from tests.builders import a_post, a_subscriber
from tests.fakes import FakeErrorReporter
from tests.unit.adapters.inngest.mocked_runs import Run, mocked_client, run
from tests.unit.application.conftest import World, a_world


def an_env(world: World, *, default_retries: int = 3, concurrency: int = 2) -> WorkerEnv:
    return WorkerEnv(
        client=mocked_client(),
        default_retries=default_retries,
        handlers=lambda: {SendPostNotifications: world.send},
        reporter=FakeErrorReporter(),
        plan_send=lambda: world.plan,
        send_batch=lambda: world.batch,
        concurrency=concurrency,
    )


def run_everything(world: World, post_id: PostId) -> list[Run]:
    """What Inngest would do: run the planner, then every event the runs send, in order."""
    env = an_env(world)
    workers = {
        "post.published": send_post_notifications_worker(env),
        "post.notifications.fan-out": fan_out_worker(env),
        "post.notifications.batch": send_batch_worker(env),
    }
    pending = [PostPublished.create(post_id=post_id)]
    runs = []
    while pending:
        event = pending.pop(0)
        done = run(workers[event.name], event)
        assert done.completed, done.error
        runs.append(done)
        pending.extend(done.sent)
    return runs


def test_the_planner_dispatches_one_event_per_batch_and_the_batches_reach_everyone() -> None:
    world = a_world(batch_size=2)
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(5)))

    planner, *batches = run_everything(world, post_id)

    assert planner.output == {
        "status": "planned",
        "postId": str(post_id),
        "round": 0,
        "batches": 3,
        "audience": 5,
        "events": 3,
    }
    assert [e.id for e in planner.sent] == [f"post.batch:{post_id}:0:{n}" for n in range(3)]
    assert sorted(world.mailer.recipients) == [f"reader{n}@example.com" for n in range(5)]
    assert [b.output["sent"] for b in batches] == [2, 2, 1]
    assert world.overview(post_id).state is SendState.SENT
    assert json.loads(json.dumps(planner.output)) == planner.output


def test_an_audience_of_1500_batches_is_sent_once_each_within_the_step_budget() -> None:
    world = a_world(batch_size=1)
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(1500)))

    planner, *batches = run_everything(world, post_id)

    assert len(batches) == 1500
    assert Counter(world.mailer.recipients).most_common(1)[0][1] == 1
    assert len(world.mailer.sent) == 1500
    assert planner.steps == 1 + 2  # plan, then two dispatch steps of up to 1,000 events
    assert max(b.steps for b in batches) == 0
    assert world.overview(post_id).state is SendState.SENT


def test_a_send_too_large_for_one_run_fans_out_in_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notification_workers, "EVENTS_PER_STEP", 10)
    monkeypatch.setattr(notification_workers, "BATCHES_PER_RUN", 10 * DISPATCH_STEPS // 4)
    world = a_world(batch_size=1)
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(230)))

    runs = run_everything(world, post_id)

    planner = runs[0]
    fan_outs = [r for r in runs if r.output["status"] == "dispatched"]
    assert {e.name for e in planner.sent} == {"post.notifications.fan-out"}
    assert len(fan_outs) == 5  # ranges of 50 batches
    assert max(r.steps for r in runs) <= DISPATCH_STEPS + 1
    assert sorted(world.mailer.recipients) == sorted(f"reader{n}@example.com" for n in range(230))


def test_a_replayed_planner_sends_the_same_event_ids_so_inngest_drops_the_repeats() -> None:
    world = a_world(batch_size=2)
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(3)))
    worker = send_post_notifications_worker(an_env(world))

    first = run(worker, PostPublished.create(post_id=post_id))
    again = run(worker, PostPublished.create(post_id=post_id))

    assert [e.id for e in again.sent] == [e.id for e in first.sent]
    assert world.overview(post_id).send.audience == 3


def test_deferred_recipients_fail_the_batch_run_which_is_retried_and_counts_right() -> None:
    world = a_world(batch_size=3)
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(3)))
    world.plan(post_id)
    world.mailer.defer_sessions = {0}

    result = run(
        send_batch_worker(an_env(world)), BatchReady.create(post_id=post_id, round=0, batch=0)
    )

    assert result.completed, result.error
    assert world.mailer.sessions == 2
    assert len(world.mailer.sent) == 3
    assert result.output["sent"] == 3
    assert result.output["failed"] == 0


def test_an_unavailable_mail_server_asks_inngest_to_retry_later() -> None:
    world = a_world()
    post_id = world.published(a_post(), a_subscriber(1))
    world.plan(post_id)
    world.mailer.unavailable_sessions = set(range(100))

    result = run(
        send_batch_worker(an_env(world), retries=2),
        BatchReady.create(post_id=post_id, round=0, batch=0),
    )

    assert isinstance(result.error, inngest.RetryAfterError)
    assert world.mailer.sessions == 1  # the retries waited on the back-off, not the server
    assert world.overview(post_id).progress[DeliveryState.QUEUED] == 1


@pytest.mark.parametrize("published", [True, False], ids=["unknown", "unpublished"])
def test_a_post_that_cannot_be_sent_is_not_worth_retrying(published: bool) -> None:
    world = a_world()
    post = a_post()
    world.given(post)
    post_id = post.id if not published else PostId(uuid.uuid4())
    env = an_env(world)

    planned = run(send_post_notifications_worker(env), PostPublished.create(post_id=post_id))
    batch = run(send_batch_worker(env), BatchReady.create(post_id=post_id, round=0, batch=0))

    assert isinstance(planned.error, inngest.NonRetriableError)
    assert isinstance(batch.error, inngest.NonRetriableError)
    assert world.mailer.sent == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("post.published", {}),
        ("post.published", {"post_id": "nope"}),
        ("post.published", {"postId": str(uuid.uuid4())}),
        ("post.notifications.batch", {"post_id": str(uuid.uuid4()), "round": 0}),
        ("post.notifications.batch", {"post_id": str(uuid.uuid4()), "round": True, "batch": 0}),
        ("post.notifications.batch", {"post_id": str(uuid.uuid4()), "round": 0, "batch": -1}),
    ],
)
def test_a_malformed_event_is_not_worth_retrying(name: str, data: dict[str, Any]) -> None:
    env = an_env(a_world())
    worker = (
        send_post_notifications_worker(env) if name == "post.published" else send_batch_worker(env)
    )

    result = run(worker, inngest.Event(name=name, data=data))

    assert isinstance(result.error, inngest.NonRetriableError)
    assert name in str(result.error)


def config_of(function: inngest.Function[Any]) -> Any:
    return function.get_config("http://127.0.0.1/api/inngest").main


def retries_of(function: inngest.Function[Any]) -> int | None:
    retries = config_of(function).steps["step"].retries
    return retries.attempts if retries is not None else None


def test_retries_follow_the_application_default_and_a_worker_may_declare_its_own() -> None:
    env = an_env(a_world(), default_retries=5)

    assert retries_of(send_post_notifications_worker(env)) == 5
    assert retries_of(send_batch_worker(env)) == 5
    assert retries_of(send_post_notifications_worker(env, retries=1)) == 1


def test_batches_share_one_concurrency_limit_for_the_mail_transport() -> None:
    config = config_of(send_batch_worker(an_env(a_world(), concurrency=8)))

    [limit] = config.concurrency
    assert (limit.limit, limit.key, limit.scope) == (8, "'mail-transport'", "env")
    assert [t.event for t in config.triggers] == ["post.notifications.batch"]


@pytest.mark.parametrize(
    ("rate", "batch_size", "limit", "seconds"),
    [(50, 100, 1, 2), (1000, 100, 10, 1), (0.5, 100, 1, 200), (2, 100, 1, 50), (150, 100, 3, 2)],
)
def test_the_message_rate_becomes_an_even_throttle_on_batch_starts(
    rate: float, batch_size: int, limit: int, seconds: int
) -> None:
    throttle = batch_throttle(rate, batch_size)

    assert throttle is not None
    assert (throttle.limit, throttle.period.total_seconds(), throttle.burst) == (limit, seconds, 1)  # type: ignore[union-attr]
    assert batch_throttle(None, batch_size) is None
