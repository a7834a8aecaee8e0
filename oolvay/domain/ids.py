"""Identifiers. Ids are UUIDs made by the domain, never by the database."""

from __future__ import annotations

import uuid
from typing import NewType

PostId = NewType("PostId", uuid.UUID)
UserId = NewType("UserId", uuid.UUID)


def new_post_id() -> PostId:
    return PostId(uuid.uuid4())


def new_user_id() -> UserId:
    return UserId(uuid.uuid4())
