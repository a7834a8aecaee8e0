import uuid

import pytest

from oolvay.application.jobs import SendPostNotifications
from oolvay.domain.errors import EmptyTitle, PostAlreadyPublished, PostNotFound
from oolvay.domain.ids import PostId
from oolvay.domain.posts import NotificationType
from tests.builders import a_post, a_subscriber
from tests.unit.application.conftest import World


def test_publishing_enqueues_one_notification_job(world: World) -> None:
    post = a_post()
    world.given(post)

    result = world.publish(post.id)

    assert result.post.is_published
    assert result.post.published_at == world.clock.now()
    world.queue.assert_enqueued(SendPostNotifications(post_id=post.id))


def test_publishing_commits_before_enqueueing(world: World) -> None:
    post = a_post()
    world.given(post)
    seen_published: list[bool] = []

    def handler(job: SendPostNotifications) -> dict[str, int]:
        stored = world.uow.store.posts[job.post_id]
        seen_published.append(stored.is_published)
        return {}

    world.queue.handlers[SendPostNotifications] = handler
    world.publish(post.id)
    world.queue.drain()

    assert seen_published == [True]


def test_a_post_without_notifications_enqueues_nothing(world: World) -> None:
    post = a_post(notification_type=NotificationType.NONE)
    world.given(post, a_subscriber(1))

    result = world.publish(post.id)

    assert result.post.is_published
    assert result.dispatch is None
    world.queue.assert_nothing_enqueued()


def test_publishing_an_unknown_post_fails_and_enqueues_nothing(world: World) -> None:
    with pytest.raises(PostNotFound):
        world.publish(PostId(uuid.uuid4()))
    world.queue.assert_nothing_enqueued()


def test_publishing_twice_fails_and_enqueues_once(world: World) -> None:
    post = a_post()
    world.given(post)
    world.publish(post.id)

    with pytest.raises(PostAlreadyPublished):
        world.publish(post.id)

    world.queue.assert_enqueued(SendPostNotifications(post_id=post.id), times=1)


def test_a_refused_publish_changes_nothing(world: World) -> None:
    post = a_post(title="")
    world.given(post)

    with pytest.raises(EmptyTitle):
        world.publish(post.id)

    assert not world.uow.store.posts[post.id].is_published
    world.queue.assert_nothing_enqueued()


def test_draining_the_queue_sends_the_emails(world: World) -> None:
    post = a_post()
    world.given(post, a_subscriber(1), a_subscriber(2))

    world.publish(post.id)
    assert world.mailer.sent == []
    world.queue.drain()

    assert sorted(world.mailer.recipients) == ["reader1@example.com", "reader2@example.com"]
