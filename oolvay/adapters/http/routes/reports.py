"""Editors' API: delivery reports."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from oolvay.adapters.http.deps import (
    DownloadReportDep,
    Editor,
    GetReportDep,
    ReportLinksDep,
    RequestReportDep,
)
from oolvay.adapters.http.errors import responses
from oolvay.adapters.http.pages import html_response, page
from oolvay.adapters.http.schemas import DispatchOut
from oolvay.adapters.security.report_links import LinkCheck
from oolvay.domain.errors import Conflict, NotFound
from oolvay.domain.ids import PostId
from oolvay.domain.reports import Report, ReportId, ReportStatus

router = APIRouter(tags=["reports"], responses=responses(401, 403, 404, 422))
link_router = APIRouter(tags=["reports"])
CSV: dict[str, Any] = {"content": {"text/csv": {}}}


class ReportOut(BaseModel):
    id: uuid.UUID
    post_id: uuid.UUID
    requested_by: uuid.UUID
    status: ReportStatus
    requested_at: datetime
    completed_at: datetime | None
    row_count: int | None
    error: str | None
    download_url: str | None

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        return cls(
            id=report.id,
            post_id=report.post_id,
            requested_by=report.requested_by,
            status=report.status,
            requested_at=report.requested_at,
            completed_at=report.completed_at,
            row_count=report.row_count,
            error=report.error,
            download_url=f"/api/reports/{report.id}/download" if report.is_ready else None,
        )


class ReportRequested(BaseModel):
    report: ReportOut
    job: DispatchOut


@router.post("/api/posts/{post_id}/reports", status_code=202)
def request_report(
    post_id: uuid.UUID, editor: Editor, request: RequestReportDep
) -> ReportRequested:
    """Ask for a CSV of the post's deliveries; it is generated in the background (or at once,
    inline) and the requester is emailed when it is ready."""
    report, dispatch = request(PostId(post_id), requested_by=editor.id)
    return ReportRequested(report=ReportOut.of(report), job=DispatchOut.of(dispatch))


@router.get("/api/reports/{report_id}")
def get_report(report_id: uuid.UUID, _editor: Editor, get: GetReportDep) -> ReportOut:
    return ReportOut.of(get(ReportId(report_id)))


@router.get(
    "/api/reports/{report_id}/download",
    response_class=Response,
    responses={200: CSV, **responses(409)},
)
def download_report(report_id: uuid.UUID, _editor: Editor, download: DownloadReportDep) -> Response:
    """The report's CSV: recipient, state, time, error. 409 until it is ready."""
    return _csv(*download(ReportId(report_id)))


@link_router.get(
    "/reports/{report_id}/download",
    response_class=Response,
    responses={
        200: CSV,
        404: html_response("Not a link we made for this report, or no such report."),
        409: html_response("The report is not ready, or failed."),
        410: html_response("The link has expired."),
    },
)
def download_by_link(
    request: Request,
    report_id: str,
    download: DownloadReportDep,
    links: ReportLinksDep,
    expires: str = "",
    signature: str = "",
) -> Response:
    """The link in the "report ready" email: the CSV, in a browser, without signing in,
    until the link expires. A link opens only the report it was made for."""
    try:
        wanted = uuid.UUID(report_id)
    except ValueError:
        wanted = None
    check = LinkCheck.INVALID
    if wanted is not None:
        check = links.check(wanted, expires=expires, signature=signature)
    if check is LinkCheck.EXPIRED:
        days = links.lifetime.days
        message = f"Download links work for {days} days. Ask for the report again."
        return page(request, "message.html", 410, heading="This link has expired", message=message)
    if wanted is None or check is not LinkCheck.VALID:
        return page(request, "message.html", 404, heading="Not found", message="No such report.")
    try:
        return _csv(*download(ReportId(wanted)))
    except NotFound:
        return page(request, "message.html", 404, heading="Not found", message="No such report.")
    except Conflict as error:
        return page(request, "message.html", 409, heading="Not ready", message=str(error))


def _csv(report: Report, content: str) -> Response:
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="deliveries-{report.post_id}.csv"'},
    )
