import pytest

from oolvay.application.posts import CreatePost, DeleteDraft, GetPost, ListPosts, UpdatePost
from oolvay.domain.errors import OnlyDraftsCanBeDeleted, PostNotFound
from oolvay.domain.posts import NotificationType, PostStatus
from tests.builders import AUTHOR
from tests.unit.application.conftest import World


def test_create_then_get(world: World) -> None:
    post = CreatePost(world.uow, world.clock)(author_id=AUTHOR, title="T", body="B")

    assert GetPost(world.uow)(post.id) == post
    assert post.status is PostStatus.DRAFT
    assert post.notification_type is NotificationType.EMAIL


def test_update_changes_only_what_is_given(world: World) -> None:
    post = CreatePost(world.uow, world.clock)(author_id=AUTHOR, title="T", body="B")

    UpdatePost(world.uow)(post.id, body="New body")

    stored = GetPost(world.uow)(post.id)
    assert (stored.title, stored.body) == ("T", "New body")


def test_list_is_newest_first_and_filters_by_status(world: World) -> None:
    create = CreatePost(world.uow, world.clock)
    ids = []
    for n in range(5):
        ids.append(create(author_id=AUTHOR, title=f"T{n}", body="B").id)
        world.clock.advance(minutes=1)
    world.publish(ids[1])

    page = ListPosts(world.uow)(status=None, limit=2, offset=1)
    drafts = ListPosts(world.uow)(status=PostStatus.DRAFT, limit=10, offset=0)

    assert [p.id for p in page.posts] == [ids[3], ids[2]]
    assert page.total == 5
    assert [p.id for p in drafts.posts] == [ids[4], ids[3], ids[2], ids[0]]


def test_only_drafts_can_be_deleted(world: World) -> None:
    create = CreatePost(world.uow, world.clock)
    draft = create(author_id=AUTHOR, title="Draft", body="B")
    live = create(author_id=AUTHOR, title="Live", body="B")
    world.publish(live.id)

    DeleteDraft(world.uow)(draft.id)

    with pytest.raises(PostNotFound):
        GetPost(world.uow)(draft.id)
    with pytest.raises(OnlyDraftsCanBeDeleted):
        DeleteDraft(world.uow)(live.id)
    assert GetPost(world.uow)(live.id).is_published
