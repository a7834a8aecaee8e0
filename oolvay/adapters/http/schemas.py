"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from oolvay.application.jobs import JSONScalar
from oolvay.application.ports import Dispatch
from oolvay.application.posts import PostPage
from oolvay.domain.posts import TITLE_MAX_LENGTH, NotificationType, Post, PostStatus
from oolvay.domain.tokens import ApiToken

BODY_MAX_LENGTH = 200_000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PostCreate(_In):
    title: str = Field(max_length=TITLE_MAX_LENGTH)
    body: str = Field(default="", max_length=BODY_MAX_LENGTH)
    notification_type: NotificationType = NotificationType.EMAIL


class PostUpdate(_In):
    title: str | None = Field(default=None, max_length=TITLE_MAX_LENGTH)
    body: str | None = Field(default=None, max_length=BODY_MAX_LENGTH)
    notification_type: NotificationType | None = None


class PostOut(BaseModel):
    id: uuid.UUID
    title: str
    body: str
    author_id: uuid.UUID
    status: PostStatus
    notification_type: NotificationType
    created_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, post: Post) -> PostOut:
        return cls(
            id=post.id,
            title=post.title,
            body=post.body,
            author_id=post.author_id,
            status=post.status,
            notification_type=post.notification_type,
            created_at=post.created_at,
            published_at=post.published_at,
        )


class PostList(BaseModel):
    items: list[PostOut]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: PostPage) -> PostList:
        return cls(
            items=[PostOut.of(p) for p in page.posts],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class DispatchOut(BaseModel):
    queue: str = Field(description="`inline` or `inngest`: which queue took the job.")
    status: str = Field(
        description="`ran` (inline: the job ran to its end; what it achieved is in `result` "
        "and the send's `state`) or `failed` (inline: it raised), `dispatched` or "
        "`dispatch_failed` (Inngest; a failed dispatch is recorded and can be retried with "
        "`oolvay dispatches retry`)."
    )
    result: dict[str, JSONScalar] | None = Field(
        default=None, description="Inline only: the send's state and counts."
    )
    error: str | None = None
    reference: str | None = Field(default=None, description="The Inngest event id.")

    @classmethod
    def of(cls, dispatch: Dispatch) -> DispatchOut:
        return cls(
            queue=dispatch.queue,
            status=str(dispatch.status),
            result=dict(dispatch.result) if dispatch.result is not None else None,
            error=dispatch.error,
            reference=dispatch.reference,
        )


class TokenCreate(_In):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "laptop"}]})

    name: str = Field(
        min_length=1, max_length=100, description="A label to tell the token from your others."
    )


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.id, name=token.name, created_at=token.created_at, revoked_at=token.revoked_at
        )


class TokenCreated(TokenOut):
    secret: str = Field(description="Shown once. Send it as `Authorization: Bearer <secret>`.")
