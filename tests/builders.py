"""Builders for domain objects with sensible defaults."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import NotificationType, Post
from oolvay.domain.users import User

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
AUTHOR = UserId(uuid.UUID(int=1))


def a_post(
    *,
    title: str = "Hello",
    body: str = "Body text",
    notification_type: NotificationType = NotificationType.EMAIL,
    id: PostId | None = None,
) -> Post:
    return Post.draft(
        title=title,
        body=body,
        author_id=AUTHOR,
        now=T0,
        notification_type=notification_type,
        id=id,
    )


def a_subscriber(n: int, **overrides: Any) -> User:
    """A user who receives post emails, with a predictable ordered id."""
    fields: dict[str, Any] = {"email_verified": True, "wants_post_emails": True}
    fields.update(
        {k: v for k, v in overrides.items() if k in {"email_verified", "wants_post_emails"}}
    )
    user = User.register(
        email=overrides.get("email", f"reader{n}@example.com"),
        now=T0,
        id=UserId(uuid.UUID(int=1000 + n)),
        **fields,
    )
    for name in ("active", "bounced"):
        if name in overrides:
            setattr(user, name, overrides[name])
    return user
