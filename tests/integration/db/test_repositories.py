"""Posts, users, API tokens and failed dispatches round-trip and query as the ports say."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest
import sqlalchemy as sa

from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.application.ports import FailedDispatch
from oolvay.domain.errors import ConcurrentUpdate
from oolvay.domain.posts import NotificationType, Post, PostStatus
from oolvay.domain.tokens import ApiToken
from oolvay.domain.users import User
from tests.builders import AUTHOR, T0, a_post, a_subscriber
from tests.integration.db.conftest import an_author, given

NewUow = Callable[[], SqlAlchemyUnitOfWork]


def a_post_at(minutes: int, *, published: bool = False) -> Post:
    post = Post.draft(
        title=f"Post {minutes}", body="Body", author_id=AUTHOR, now=T0 + timedelta(minutes=minutes)
    )
    if published:
        post.publish(T0 + timedelta(hours=1))
    return post


# --- posts -----------------------------------------------------------------------------


def test_a_post_round_trips_with_every_field(uow: SqlAlchemyUnitOfWork) -> None:
    post = a_post(title="Élan", body="Ünïcode ✓", notification_type=NotificationType.NONE)
    post.publish(datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2))))
    given(uow, an_author(), post)

    with uow:
        stored = uow.posts.get(post.id)

    assert stored == post
    assert stored is not None
    assert stored.published_at is not None
    assert stored.published_at.tzinfo is UTC


def test_an_unknown_post_is_none(uow: SqlAlchemyUnitOfWork) -> None:
    with uow:
        assert uow.posts.get(a_post().id) is None


def test_update_bumps_the_version(uow: SqlAlchemyUnitOfWork) -> None:
    post = a_post()
    given(uow, an_author(), post)

    with uow:
        loaded = uow.posts.get(post.id)
        assert loaded is not None
        loaded.publish(T0)
        uow.posts.update(loaded)
        uow.commit()
    with uow:
        stored = uow.posts.get(post.id)

    assert loaded.version == 1
    assert stored == loaded


def test_a_concurrent_update_of_a_post_is_refused(
    uow: SqlAlchemyUnitOfWork, new_uow: NewUow
) -> None:
    post = a_post()
    given(uow, an_author(), post)

    with new_uow() as first, new_uow() as second:
        mine, theirs = first.posts.get(post.id), second.posts.get(post.id)
        assert mine is not None
        assert theirs is not None
        theirs.edit(title="Theirs")
        second.posts.update(theirs)
        second.commit()

        mine.edit(title="Mine")
        with pytest.raises(ConcurrentUpdate):
            first.posts.update(mine)

    with uow:
        stored = uow.posts.get(post.id)
    assert stored is not None
    assert (stored.title, stored.version) == ("Theirs", 1)


def test_updating_a_stale_copy_is_refused(uow: SqlAlchemyUnitOfWork) -> None:
    post = a_post()
    given(uow, an_author(), post)
    with uow:
        fresh = uow.posts.get(post.id)
        assert fresh is not None
        uow.posts.update(fresh)
        uow.commit()

    with uow, pytest.raises(ConcurrentUpdate):
        uow.posts.update(post)


def test_posts_are_listed_newest_first_by_status_with_limit_and_offset(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    drafts = [a_post_at(minutes) for minutes in (1, 3, 5)]
    published = [a_post_at(minutes, published=True) for minutes in (2, 4)]
    given(uow, an_author(), *drafts, *published)

    with uow:
        everything = uow.posts.list(status=None, limit=10, offset=0)
        page = uow.posts.list(status=None, limit=2, offset=1)
        only_drafts = uow.posts.list(status=PostStatus.DRAFT, limit=10, offset=0)
        counts = (
            uow.posts.count(status=None),
            uow.posts.count(status=PostStatus.DRAFT),
            uow.posts.count(status=PostStatus.PUBLISHED),
        )

    assert [p.title for p in everything] == ["Post 5", "Post 4", "Post 3", "Post 2", "Post 1"]
    assert [p.title for p in page] == ["Post 4", "Post 3"]
    assert [p.title for p in only_drafts] == ["Post 5", "Post 3", "Post 1"]
    assert counts == (5, 3, 2)


def test_posts_created_at_the_same_time_are_ordered_by_id(uow: SqlAlchemyUnitOfWork) -> None:
    posts = [a_post(id=None) for _ in range(4)]
    given(uow, an_author(), *posts)

    with uow:
        listed = uow.posts.list(status=None, limit=10, offset=0)

    assert [p.id for p in listed] == sorted((p.id for p in posts), reverse=True)


def test_deleting_a_post_removes_its_delivery_records(uow: SqlAlchemyUnitOfWork) -> None:
    post, reader = a_post(), a_subscriber(1)
    given(uow, an_author(), reader, post)
    with uow:
        uow.deliveries.claim(post.id, [reader.id], claimant="run", now=T0, stale_before=T0)
        uow.commit()

    with uow:
        uow.posts.delete(post.id)
        uow.commit()

    with uow:
        assert uow.posts.get(post.id) is None
        assert uow.deliveries.count_by_state(post.id) == {}
        assert uow.users.get(reader.id) == reader


# --- users -----------------------------------------------------------------------------


def test_a_user_round_trips_and_is_found_by_email(uow: SqlAlchemyUnitOfWork) -> None:
    user = a_subscriber(1, active=False, bounced=True)
    user.is_editor = True
    given(uow, user)

    with uow:
        by_id = uow.users.get(user.id)
        by_email = uow.users.get_by_email("reader1@example.com")
        nobody = uow.users.get_by_email("nobody@example.com")

    assert by_id == user
    assert by_email == user
    assert nobody is None


def test_a_user_update_is_stored(uow: SqlAlchemyUnitOfWork) -> None:
    user = a_subscriber(1)
    given(uow, user)

    user.unsubscribe()
    user.mark_bounced()
    with uow:
        uow.users.update(user)
        uow.commit()
    with uow:
        assert uow.users.get(user.id) == user


def test_two_users_cannot_share_an_email(uow: SqlAlchemyUnitOfWork) -> None:
    given(uow, a_subscriber(1, email="same@example.com"))

    with uow, pytest.raises(sa.exc.IntegrityError):
        uow.users.add(a_subscriber(2, email="same@example.com"))


def test_a_post_needs_an_existing_author(uow: SqlAlchemyUnitOfWork) -> None:
    with uow, pytest.raises(sa.exc.IntegrityError):
        uow.posts.add(a_post())


# --- API tokens ------------------------------------------------------------------------


def test_api_tokens_are_found_by_id_hash_and_user_and_can_be_revoked(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    editor = an_author()
    older, _ = ApiToken.issue(user_id=editor.id, name="laptop", now=T0)
    newer, _ = ApiToken.issue(user_id=editor.id, name="ci", now=T0 + timedelta(days=1))
    given(uow, editor)
    with uow:
        uow.api_tokens.add(newer)
        uow.api_tokens.add(older)
        uow.commit()

    older.revoke(T0 + timedelta(days=2))
    with uow:
        uow.api_tokens.update(older)
        uow.commit()

    with uow:
        assert uow.api_tokens.get(older.id) == older
        assert uow.api_tokens.get_by_hash(newer.token_hash) == newer
        assert uow.api_tokens.get_by_hash("0" * 64) is None
        assert uow.api_tokens.list_for_user(editor.id) == [older, newer]
        stored = uow.api_tokens.get(older.id)
    assert stored is not None
    assert not stored.is_active


# --- failed dispatches -----------------------------------------------------------------


def a_failure(minutes: int) -> FailedDispatch:
    return FailedDispatch(
        id=uuid.uuid4(),
        queue="inngest",
        job_name="send-post-notifications",
        payload={"name": "post.published", "data": {"post_id": "p"}, "id": f"e{minutes}"},
        error="connection refused",
        failed_at=T0 + timedelta(minutes=minutes),
        context={"postId": "p"},
    )


def test_failed_dispatches_round_trip_and_unresolved_ones_are_listed_oldest_first(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    late, early, resolved = a_failure(5), a_failure(1), a_failure(3)
    with uow:
        for failure in (late, early, resolved):
            uow.failed_dispatches.add(failure)
        uow.commit()

    done = attrs.evolve(resolved, attempts=2, resolved_at=T0 + timedelta(hours=1))
    with uow:
        uow.failed_dispatches.update(done)
        uow.commit()

    with uow:
        assert uow.failed_dispatches.get(early.id) == early
        assert uow.failed_dispatches.get(done.id) == done
        assert uow.failed_dispatches.list_unresolved(limit=10) == [early, late]
        assert uow.failed_dispatches.list_unresolved(limit=1) == [early]


def test_users_registered_through_the_domain_are_stored_normalised(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    user = User.register(email="Someone@Example.COM", now=T0)
    given(uow, user)

    with uow:
        assert uow.users.get_by_email("Someone@example.com") == user


def test_add_many_skips_taken_emails(uow: SqlAlchemyUnitOfWork) -> None:
    from oolvay.domain.users import User

    taken = a_subscriber(1)
    given(uow, taken)
    newcomers = [User.register(email=f"new{n}@example.com", now=T0) for n in range(2500)]
    duplicate = User.register(email=taken.email, now=T0)

    with uow:
        inserted = uow.users.add_many([*newcomers, duplicate])
        uow.commit()

    with uow:
        assert uow.users.get(duplicate.id) is None
        assert uow.users.get_by_email("new2499@example.com") is not None
    assert inserted == 2500
