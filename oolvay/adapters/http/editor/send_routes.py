"""A post's send: live progress, failed recipients, resending, the delivery report."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from oolvay.adapters.http.deps import (
    DownloadReportDep,
    RequestReportDep,
    ResendDep,
    container_of,
)
from oolvay.adapters.http.editor.auth import SignedIn
from oolvay.adapters.http.editor.status import send_status_of
from oolvay.adapters.http.pages import page, verify_csrf
from oolvay.domain.errors import NothingToResend
from oolvay.domain.ids import PostId
from oolvay.domain.reports import ReportId

router = APIRouter(prefix="/editor", dependencies=[Depends(verify_csrf)], include_in_schema=False)
FAILED_PAGE = 20
Text = Annotated[str, Query(max_length=200)]


@router.get("/posts/{post_id}/send", response_class=HTMLResponse)
def send_page(
    request: Request,
    post_id: uuid.UUID,
    _editor: SignedIn,
    q: Text = "",
    kind: Annotated[str, Query(pattern="^(|permanent|temporary)$")] = "",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    report: uuid.UUID | None = None,
    resent: str = "",
) -> Response:
    c = container_of(request)
    post = c.get_post()(PostId(post_id))
    status = send_status_of(c, post, text=q, kind=kind, offset=offset, limit=FAILED_PAGE)
    if status is None:
        return RedirectResponse(f"/editor/posts/{post.id}", status_code=303)
    shown_report = c.get_report()(ReportId(report)) if report is not None else None
    if shown_report is not None and shown_report.post_id != post.id:
        shown_report = None
    return page(
        request,
        "editor/send.html",
        post=post,
        status=status,
        report=shown_report,
        resent=resent,
        queue=c.queue_backend(),
        nav="posts",
    )


@router.get("/posts/{post_id}/send.json")
def send_status_json(request: Request, post_id: uuid.UUID, _editor: SignedIn) -> JSONResponse:
    """The send's counts for the page's live updates, polled while it is under way."""
    c = container_of(request)
    post = c.get_post()(PostId(post_id))
    status = send_status_of(c, post, limit=FAILED_PAGE)
    body = {"post_id": str(post.id), "published": post.is_published}
    body |= status.as_json() if status is not None else {"state": None, "final": True}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.post("/posts/{post_id}/resend")
def resend(post_id: uuid.UUID, _editor: SignedIn, resend: ResendDep) -> RedirectResponse:
    """Send again to whoever has not got the post; nobody gets it twice."""
    try:
        resent = resend(PostId(post_id))
    except NothingToResend:
        outcome = "nothing"
    else:
        outcome = str(resent.dispatch.status)
    return RedirectResponse(f"/editor/posts/{post_id}/send?resent={outcome}", status_code=303)


@router.post("/posts/{post_id}/report")
def request_report(
    post_id: uuid.UUID, signed_in: SignedIn, request_report: RequestReportDep
) -> RedirectResponse:
    report, _ = request_report(PostId(post_id), requested_by=signed_in.user.id)
    return RedirectResponse(f"/editor/posts/{post_id}/send?report={report.id}", status_code=303)


@router.get("/reports/{report_id}/download")
def download_report(
    report_id: uuid.UUID, _editor: SignedIn, download: DownloadReportDep
) -> Response:
    """The report's CSV, for a signed-in editor (the link in the 'report ready' email)."""
    report, content = download(ReportId(report_id))
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="deliveries-{report.post_id}.csv"',
            "Cache-Control": "no-store",
        },
    )
