"""Editors' API: a post's send, its failed recipients, resending and cancelling."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from oolvay.adapters.http.deps import CancelSendDep, Editor, ListFailedDep, ResendDep, SendStatusDep
from oolvay.adapters.http.errors import responses
from oolvay.adapters.http.send_schemas import (
    CancelOut,
    FailedDeliveryOut,
    FailedPageOut,
    ResendOut,
    SendOut,
)
from oolvay.domain.ids import PostId

router = APIRouter(
    prefix="/api/posts/{post_id}/deliveries",
    tags=["deliveries"],
    responses=responses(401, 403, 404, 422),
)


@router.get("")
def send_status(post_id: uuid.UUID, _editor: Editor, status: SendStatusDep) -> SendOut:
    """The send's state, its counts by delivery state, the rate and an ETA while sending,
    and the most recent failures."""
    return SendOut.of(status(PostId(post_id)))


@router.get("/failed")
def failed_recipients(
    post_id: uuid.UUID,
    _editor: Editor,
    list_failed: ListFailedDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    q: Annotated[
        str | None, Query(max_length=254, description="Part of the address or of the reason.")
    ] = None,
    retriable: Annotated[
        bool | None,
        Query(description="true: passing failures only (a resend may help); false: for good."),
    ] = None,
) -> FailedPageOut:
    """Failed recipients with the reasons, most recent first, a page at a time."""
    items, total = list_failed(
        PostId(post_id), limit=limit, offset=offset, search=q, retriable=retriable
    )
    return FailedPageOut(
        items=[FailedDeliveryOut.of(d) for d in items], total=total, limit=limit, offset=offset
    )


@router.post("/resend", status_code=202, responses=responses(409))
def resend(
    post_id: uuid.UUID,
    _editor: Editor,
    resend: ResendDep,
    include_uncertain: bool = False,
) -> ResendOut:
    """Send the post to every recipient of its audience who has not got it (failed, left
    queued by a run that died, cancelled; uncertain ones only with `include_uncertain`), in
    a new round. Nobody already sent gets it twice. 409 when nobody is left."""
    return ResendOut.of(resend(PostId(post_id), include_uncertain=include_uncertain))


@router.post("/cancel")
def cancel(
    post_id: uuid.UUID, _editor: Editor, cancel: CancelSendDep, status: SendStatusDep
) -> CancelOut:
    """Stop the send: nobody still queued is sent to (batches already sending finish the
    recipients they hold). A resend takes it up again."""
    cancelled = cancel(PostId(post_id))
    return CancelOut(cancelled=cancelled, send=SendOut.of(status(PostId(post_id))))
