import uuid

import pytest

from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.errors import PostNotFound, PostNotPublished, SendNotFound
from oolvay.domain.ids import PostId
from oolvay.domain.posts import NotificationType
from oolvay.domain.sends import SendState
from tests.builders import a_policy, a_post, a_subscriber
from tests.unit.application.conftest import World


def test_planning_fixes_the_audience_once_in_batches(world: World) -> None:
    post_id = world.published(a_post(), *(a_subscriber(n) for n in range(7)))

    plan = world.plan(post_id)
    world.given(a_subscriber(99))  # subscribes after the plan: not part of this send
    again = world.plan(post_id)

    assert (plan.round, plan.batches, plan.audience) == (0, 3, 7)
    assert again == plan
    overview = world.overview(post_id)
    assert overview.progress[DeliveryState.QUEUED] == 7
    assert overview.state is SendState.QUEUED
    assert overview.send.is_planned


def test_an_empty_audience_is_planned_and_sent_at_once(world: World) -> None:
    post_id = world.published(a_post())

    plan = world.plan(post_id)

    assert plan.batches == 0
    assert world.overview(post_id).state is SendState.SENT


def test_a_post_that_is_not_published_is_not_planned(world: World) -> None:
    post = a_post()
    world.given(post)

    with pytest.raises(PostNotPublished):
        world.plan(post.id)


def test_a_post_that_sends_no_email_has_no_send_to_plan(world: World) -> None:
    post_id = world.published(a_post(notification_type=NotificationType.NONE))

    with pytest.raises(SendNotFound):
        world.plan(post_id)
    with pytest.raises(PostNotFound):
        world.plan(PostId(uuid.uuid4()))


def test_a_plan_given_up_shows_the_send_failed_with_the_reason(world: World) -> None:
    post_id = world.published(a_post(), a_subscriber(1))

    world.plan.give_up(post_id, reason="send-post-notifications gave up: database down")

    overview = world.overview(post_id)
    assert overview.state is SendState.FAILED
    assert not overview.send.is_planned
    assert overview.send.error == "send-post-notifications gave up: database down"


def test_a_cancelled_send_plans_no_batches(world: World) -> None:
    post_id = world.published(a_post(), a_subscriber(1))
    world.plan(post_id)
    world.cancel(post_id)

    assert world.plan(post_id).batches == 0


def test_a_small_audience_is_planned_in_smaller_batches_to_keep_every_sender_busy() -> None:
    policy = a_policy(batch_size=100, concurrency=16)

    assert policy.batch_size_for(2_000) == 32  # 63 batches: about four per sender
    assert policy.batch_size_for(100) == 10  # never below ten a batch
    assert policy.batch_size_for(1_000_000) == 100
    assert a_policy(batch_size=3, concurrency=16).batch_size_for(2_000) == 3
