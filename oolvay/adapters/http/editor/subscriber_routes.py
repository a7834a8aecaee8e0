"""Subscribers: counts, search, the suppressed ones and lifting it, CSV import, one-off add
and remove."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oolvay.adapters.http.deps import (
    AddSubscriberDep,
    ImportSubscribersDep,
    RemoveSubscriberDep,
    UnsuppressDep,
    container_of,
)
from oolvay.adapters.http.editor.auth import SignedIn
from oolvay.adapters.http.pages import page, verify_csrf
from oolvay.adapters.subscriber_csv import addresses
from oolvay.application.subscribers import ImportResult
from oolvay.domain.errors import EmailAlreadyRegistered, InvalidEmailAddress
from oolvay.domain.ids import UserId
from oolvay.domain.users import Standing

router = APIRouter(prefix="/editor", dependencies=[Depends(verify_csrf)], include_in_schema=False)
PAGE_SIZE = 50
IMPORT_MAX_BYTES = 5_000_000
SHOWN_PROBLEMS = 50


@router.get("/subscribers", response_class=HTMLResponse)
def subscribers(
    request: Request,
    _editor: SignedIn,
    q: Annotated[str, Query(max_length=200)] = "",
    standing: Standing | None = None,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    added: str = "",
    removed: str = "",
    restored: str = "",
) -> HTMLResponse:
    return _page(
        request,
        q=q,
        standing=standing,
        page_number=page_number,
        added=added,
        removed=removed,
        restored=restored,
    )


@router.post("/subscribers", response_class=HTMLResponse)
def add_subscriber(
    request: Request,
    _editor: SignedIn,
    add: AddSubscriberDep,
    email: Annotated[str, Form(max_length=320)] = "",
) -> Response:
    try:
        user = add(email)
    except InvalidEmailAddress as error:
        return _page(request, status=422, add_error=error.reason.capitalize(), add_email=email)
    except EmailAlreadyRegistered as error:
        message = f"{error.email} is already on the list."
        return _page(request, status=409, add_error=message, add_email=email)
    return RedirectResponse(f"/editor/subscribers?added={user.email}", status_code=303)


@router.post("/subscribers/{user_id}/remove")
def remove_subscriber(
    user_id: uuid.UUID, _editor: SignedIn, remove: RemoveSubscriberDep
) -> RedirectResponse:
    user = remove(UserId(user_id))
    return RedirectResponse(f"/editor/subscribers?removed={user.email}", status_code=303)


@router.post("/subscribers/unsuppress")
def unsuppress_subscriber(
    _editor: SignedIn, unsuppress: UnsuppressDep, email: Annotated[str, Form(max_length=320)]
) -> RedirectResponse:
    """Mail goes to a suppressed address again (a mailbox restored, a complaint made in
    error); its bounce and complaint records stay."""
    user = unsuppress(email, by="editor app")
    return RedirectResponse(f"/editor/subscribers?restored={user.email}", status_code=303)


@router.post("/subscribers/import", response_class=HTMLResponse)
def import_subscribers(
    request: Request,
    _editor: SignedIn,
    import_subscribers: ImportSubscribersDep,
    file: Annotated[UploadFile, File()],
    skip_invalid: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    # A plain function: the import writes to the database, off the event loop.
    raw = file.file.read(IMPORT_MAX_BYTES + 1)
    if len(raw) > IMPORT_MAX_BYTES:
        return _page(request, status=413, import_error="The file is larger than 5 MB.")
    try:
        lines = list(addresses(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error) as error:
        return _page(request, status=422, import_error=f"Not a readable UTF-8 CSV file ({error}).")
    result: ImportResult = import_subscribers(lines, verified=True, skip_invalid=skip_invalid)
    refused = bool(result.invalid) and not skip_invalid
    return _page(request, status=422 if refused else 200, imported=result, refused=refused)


def _page(
    request: Request,
    *,
    q: str = "",
    standing: Standing | None = None,
    page_number: int = 1,
    status: int = 200,
    **context: object,
) -> HTMLResponse:
    found = container_of(request).list_subscribers()(
        text=q, standing=standing, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE
    )
    return page(
        request,
        "editor/subscribers.html",
        status,
        found=found,
        q=q,
        standing=standing,
        standings=list(Standing),
        page_number=page_number,
        has_next=page_number * PAGE_SIZE < found.total,
        shown_problems=SHOWN_PROBLEMS,
        nav="subscribers",
        **context,
    )
