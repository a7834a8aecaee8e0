"""Editors' routes for suppressed addresses: who gets no mail and why, and lifting it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from oolvay.adapters.http.deps import Editor, ListSuppressedDep, UnsuppressDep
from oolvay.adapters.http.errors import responses

router = APIRouter(
    prefix="/api/suppressions", tags=["suppressions"], responses=responses(401, 403, 422)
)


class SuppressedOut(BaseModel):
    email: str
    reason: str | None = Field(description="hard_bounce or complaint; null if unrecorded")
    status: str | None = Field(description="The bounce's status code or the feedback type")
    since: datetime | None


class UnsuppressIn(BaseModel):
    email: str = Field(max_length=320)


class UnsuppressedOut(BaseModel):
    email: str
    suppressed: bool


@router.get("")
def list_suppressed(
    _editor: Editor,
    list_suppressed: ListSuppressedDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[SuppressedOut]:
    """Addresses no mail goes to: they bounced for good, or their owner reported spam."""
    return [
        SuppressedOut(
            email=entry.user.email,
            reason=entry.because.kind.value if entry.because else None,
            status=entry.because.status if entry.because else None,
            since=entry.because.received_at if entry.because else None,
        )
        for entry in list_suppressed(limit=limit, offset=offset)
    ]


@router.post("/remove", responses=responses(404))
def unsuppress(editor: Editor, body: UnsuppressIn, unsuppress: UnsuppressDep) -> UnsuppressedOut:
    """Send mail to this address again. Its bounce and complaint records stay."""
    user = unsuppress(body.email, by=str(editor.id))
    return UnsuppressedOut(email=user.email, suppressed=user.is_suppressed)
