"""Editors' API: posts and publishing."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from oolvay.adapters.http.deps import (
    CreatePostDep,
    DeleteDraftDep,
    Editor,
    GetPostDep,
    ListPostsDep,
    PublishPostDep,
    SendStatusDep,
    UpdatePostDep,
)
from oolvay.adapters.http.errors import responses
from oolvay.adapters.http.schemas import DispatchOut, PostCreate, PostList, PostOut, PostUpdate
from oolvay.adapters.http.send_schemas import PublishOut, SendOut
from oolvay.domain.ids import PostId
from oolvay.domain.posts import PostStatus

router = APIRouter(prefix="/api/posts", tags=["posts"], responses=responses(401, 403, 422))


@router.post("", status_code=201)
def create_post(body: PostCreate, editor: Editor, create: CreatePostDep) -> PostOut:
    """Create a draft."""
    post = create(
        author_id=editor.id,
        title=body.title,
        body=body.body,
        notification_type=body.notification_type,
    )
    return PostOut.of(post)


@router.get("")
def list_posts(
    _editor: Editor,
    list_posts: ListPostsDep,
    status: PostStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> PostList:
    """Posts, newest first."""
    return PostList.of(list_posts(status=status, limit=limit, offset=offset))


@router.get("/{post_id}", responses=responses(404))
def get_post(post_id: uuid.UUID, _editor: Editor, get: GetPostDep) -> PostOut:
    return PostOut.of(get(PostId(post_id)))


@router.patch("/{post_id}", responses=responses(404, 409))
def update_post(
    post_id: uuid.UUID, body: PostUpdate, _editor: Editor, update: UpdatePostDep
) -> PostOut:
    """Edit a draft or a published post; only the fields given change. 409 when someone
    else saved it since it was read."""
    post = update(
        PostId(post_id),
        title=body.title,
        body=body.body,
        notification_type=body.notification_type,
    )
    return PostOut.of(post)


@router.delete("/{post_id}", status_code=204, responses=responses(404, 409))
def delete_draft(post_id: uuid.UUID, _editor: Editor, delete: DeleteDraftDep) -> Response:
    """Delete a draft. Published posts cannot be deleted (409)."""
    delete(PostId(post_id))
    return Response(status_code=204)


@router.post("/{post_id}/publish", responses=responses(404, 409))
def publish_post(
    post_id: uuid.UUID, _editor: Editor, publish: PublishPostDep, status: SendStatusDep
) -> PublishOut:
    """Publish a draft and notify its subscribers: inline (the send is over when this
    answers) or through Inngest (the event was dispatched, or its failure recorded).
    Publishing twice is 409."""
    result = publish(PostId(post_id))
    return PublishOut(
        post=PostOut.of(result.post),
        send=SendOut.of(status(result.post.id)) if result.send is not None else None,
        notifications=DispatchOut.of(result.dispatch) if result.dispatch else None,
    )
