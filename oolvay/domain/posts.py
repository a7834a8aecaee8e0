"""Posts and the one way to publish them."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from oolvay.domain.errors import EmptyTitle, InvalidInput, PostAlreadyPublished
from oolvay.domain.ids import PostId, UserId, new_post_id
from oolvay.domain.text import no_nul
from oolvay.domain.time import require_aware

TITLE_MAX_LENGTH = 300


class PostStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class NotificationType(enum.StrEnum):
    """What publishing a post sends to subscribers."""

    EMAIL = "email"
    NONE = "none"


def _title_fits(_instance: object, _attribute: object, value: str) -> None:
    if len(value) > TITLE_MAX_LENGTH:
        raise InvalidInput("title", f"must be at most {TITLE_MAX_LENGTH} characters")


@attrs.define
class Post:
    """A blog post. Drafts can be published once; published posts can still be edited."""

    id: PostId
    title: str = attrs.field(validator=[attrs.validators.instance_of(str), _title_fits, no_nul])
    body: str = attrs.field(validator=[attrs.validators.instance_of(str), no_nul])
    author_id: UserId
    notification_type: NotificationType = attrs.field(converter=NotificationType)
    created_at: datetime = attrs.field(validator=require_aware)
    status: PostStatus = attrs.field(default=PostStatus.DRAFT, converter=PostStatus)
    published_at: datetime | None = attrs.field(default=None, validator=require_aware)
    version: int = 0
    """Bumped by the repository on every save; guards against lost updates."""

    def __attrs_post_init__(self) -> None:
        if (self.status is PostStatus.PUBLISHED) != (self.published_at is not None):
            raise ValueError("a post has a publication time exactly when it is published")

    @classmethod
    def draft(
        cls,
        *,
        title: str,
        body: str,
        author_id: UserId,
        now: datetime,
        notification_type: NotificationType = NotificationType.EMAIL,
        id: PostId | None = None,
    ) -> Post:
        return cls(
            id=id or new_post_id(),
            title=title,
            body=body,
            author_id=author_id,
            notification_type=notification_type,
            created_at=now,
        )

    @property
    def is_published(self) -> bool:
        return self.status is PostStatus.PUBLISHED

    @property
    def notifies_by_email(self) -> bool:
        return self.notification_type is NotificationType.EMAIL

    def publish(self, now: datetime) -> None:
        """Publish the post at ``now``. Publishing twice or with an empty title is refused."""
        if self.is_published:
            raise PostAlreadyPublished(self.id)
        if not self.title.strip():
            raise EmptyTitle()
        self.published_at = now
        self.status = PostStatus.PUBLISHED

    def edit(
        self,
        *,
        title: str | None = None,
        body: str | None = None,
        notification_type: NotificationType | None = None,
    ) -> None:
        """Change content. Allowed on drafts and published posts alike."""
        if title is not None:
            if self.is_published and not title.strip():
                raise EmptyTitle()
            self.title = title
        if body is not None:
            self.body = body
        if notification_type is not None:
            self.notification_type = notification_type
