from datetime import datetime, timedelta

import pytest

from oolvay.domain.errors import EmptyTitle, InvalidInput, PostAlreadyPublished
from oolvay.domain.posts import NotificationType, Post, PostStatus
from tests.builders import T0, a_post


def test_a_new_post_is_a_draft() -> None:
    post = a_post()

    assert post.status is PostStatus.DRAFT
    assert post.published_at is None


def test_publish_sets_status_and_time() -> None:
    post = a_post()
    when = T0 + timedelta(hours=1)

    post.publish(when)

    assert post.is_published
    assert post.published_at == when


def test_publishing_twice_is_refused() -> None:
    post = a_post()
    post.publish(T0)

    with pytest.raises(PostAlreadyPublished):
        post.publish(T0 + timedelta(minutes=1))
    assert post.published_at == T0


@pytest.mark.parametrize("title", ["", "   \t"])
def test_publishing_an_empty_title_is_refused(title: str) -> None:
    post = a_post(title=title)

    with pytest.raises(EmptyTitle):
        post.publish(T0)
    assert post.status is PostStatus.DRAFT


def test_a_published_post_can_be_edited() -> None:
    post = a_post()
    post.publish(T0)

    post.edit(title="Better title", body="New body")

    assert (post.title, post.body, post.status) == (
        "Better title",
        "New body",
        PostStatus.PUBLISHED,
    )


def test_a_published_post_cannot_lose_its_title() -> None:
    post = a_post()
    post.publish(T0)

    with pytest.raises(EmptyTitle):
        post.edit(title=" ")


def test_notification_type_none_does_not_notify_by_email() -> None:
    assert not a_post(notification_type=NotificationType.NONE).notifies_by_email
    assert a_post(notification_type=NotificationType.EMAIL).notifies_by_email


def test_an_unknown_notification_type_is_refused() -> None:
    with pytest.raises(ValueError, match="carrier-pigeon"):
        a_post(notification_type="carrier-pigeon")  # type: ignore[arg-type]


def test_a_too_long_title_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        a_post(title="x" * 301)
    assert caught.value.field == "title"


def test_times_must_be_timezone_aware() -> None:
    post = a_post()

    with pytest.raises(ValueError, match="timezone-aware"):
        post.publish(datetime(2026, 1, 1))  # noqa: DTZ001
    assert not post.is_published


def test_published_state_and_time_go_together() -> None:
    with pytest.raises(ValueError, match="publication time"):
        Post(
            id=a_post().id,
            title="t",
            body="b",
            author_id=a_post().author_id,
            notification_type=NotificationType.EMAIL,
            created_at=T0,
            status=PostStatus.PUBLISHED,
        )


@pytest.mark.parametrize("field", ["title", "body"])
def test_a_nul_character_is_refused_in_a_new_or_edited_post(field: str) -> None:
    post = a_post()

    text = {"title": "Hello", "body": "Body text"} | {field: "a\x00b"}

    with pytest.raises(InvalidInput) as created:
        a_post(title=text["title"], body=text["body"])
    with pytest.raises(InvalidInput) as edited:
        post.edit(title=text["title"], body=text["body"])

    assert created.value.field == edited.value.field == field
    assert "\x00" not in getattr(post, field)
