"""Editors' API: delivery reports."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel

from oolvay.adapters.http.deps import DownloadReportDep, Editor, GetReportDep, RequestReportDep
from oolvay.adapters.http.errors import responses
from oolvay.adapters.http.schemas import DispatchOut
from oolvay.domain.ids import PostId
from oolvay.domain.reports import Report, ReportId, ReportStatus

router = APIRouter(tags=["reports"], responses=responses(401, 403, 404, 422))


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
    responses={200: {"content": {"text/csv": {}}}, **responses(409)},
)
def download_report(report_id: uuid.UUID, _editor: Editor, download: DownloadReportDep) -> Response:
    """The report's CSV: recipient, state, time, error. 409 until it is ready."""
    report, content = download(ReportId(report_id))
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="deliveries-{report.post_id}.csv"'},
    )
