"""Builders for domain objects with sensible defaults."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from oolvay.application.sending.policy import SendingPolicy
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


def a_policy(**overrides: Any) -> SendingPolicy:
    """A sending policy for tests: small batches, two at once, the settings' timings."""
    fields: dict[str, Any] = {
        "batch_size": 3,
        "concurrency": 2,
        "heartbeat": timedelta(seconds=2),
        "claim_lease": timedelta(minutes=15),
        "inline_wait": timedelta(seconds=60),
    }
    return SendingPolicy(**{**fields, **overrides})
