"""Delivery reports: request one (a GenerateReport job), generate it, download it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import attrs

from oolvay.application.jobs import GenerateReport, JobResult
from oolvay.application.mail import send_one
from oolvay.application.ports import (
    Clock,
    Dispatch,
    JobQueue,
    Mailer,
    NotificationRenderer,
    SendStatus,
    UnitOfWork,
)
from oolvay.domain.deliveries import Delivery
from oolvay.domain.errors import NotFound, PostNotFound, UserNotFound
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.reports import Report, ReportId, ReportNotReady

CSV_COLUMNS = ("recipient", "state", "time", "error")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ReportNotFound(NotFound):
    def __init__(self, report_id: object) -> None:
        super().__init__(f"report {report_id} does not exist")
        self.report_id = report_id


class ReportEmailDeferred(Exception):
    """The 'report ready' email could not be sent this time; the job should be retried."""


@attrs.frozen
class RequestReport:
    uow: UnitOfWork
    queue: JobQueue
    clock: Clock

    def __call__(self, post_id: PostId, *, requested_by: UserId) -> tuple[Report, Dispatch]:
        with self.uow:
            if self.uow.posts.get(post_id) is None:
                raise PostNotFound(post_id)
            report = Report.request(
                post_id=post_id, requested_by=requested_by, now=self.clock.now()
            )
            self.uow.reports.add(report)
            self.uow.commit()
        dispatch = self.queue.enqueue(GenerateReport(report.id, requested_by))
        with self.uow:
            return self.uow.reports.get(report.id) or report, dispatch


@attrs.frozen
class GenerateReportHandler:
    """Idempotent: a retry neither rebuilds a ready report nor emails its requester twice."""

    uow: UnitOfWork
    mailer: Mailer
    renderer: NotificationRenderer
    clock: Clock
    page_size: int = 1000

    def __call__(self, job: GenerateReport) -> JobResult:
        report = self.build(job.report_id)
        notified = self.notify(job.report_id)
        return {
            "status": "completed",
            "reportId": str(report.id),
            "rows": report.row_count,
            "notified": notified,
        }

    def build(self, report_id: ReportId) -> Report:
        """Write the CSV unless it is already there."""
        with self.uow:
            report = self._report(report_id)
            if report.is_ready:
                return report
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(CSV_COLUMNS)
            rows = 0
            for delivery in self._deliveries(report.post_id):
                writer.writerow(_row(delivery))
                rows += 1
            self.uow.reports.store_content(report.id, buffer.getvalue())
            report.complete(rows=rows, now=self.clock.now())
            self.uow.reports.update(report)
            self.uow.commit()
            return report

    def notify(self, report_id: ReportId) -> bool:
        """Email the requester once; a transient mail failure raises ReportEmailDeferred."""
        with self.uow:
            report = self._report(report_id)
            if report.notified_at is not None:
                return False
            user = self.uow.users.get(report.requested_by)
            if user is None:
                raise UserNotFound(report.requested_by)
            post = self.uow.posts.get(report.post_id)
            if post is None:
                raise PostNotFound(report.post_id)
        result = send_one(self.mailer, self.renderer.report_ready(report, post, user))
        if result.status is SendStatus.DEFERRED:
            raise ReportEmailDeferred(result.error or "mail deferred")
        with self.uow:
            report = self._report(report_id)
            report.mark_notified(self.clock.now())
            self.uow.reports.update(report)
            self.uow.commit()
        return result.status is SendStatus.SENT

    def give_up(self, report_id: ReportId, *, reason: str) -> None:
        """Mark the report failed (the job will not run again), unless it was built."""
        with self.uow:
            report = self.uow.reports.get(report_id)
            if report is None or report.is_ready:
                return
            report.fail(error=reason, now=self.clock.now())
            self.uow.reports.update(report)
            self.uow.commit()

    def _report(self, report_id: ReportId) -> Report:
        report = self.uow.reports.get(report_id)
        if report is None:
            raise ReportNotFound(report_id)
        return report

    def _deliveries(self, post_id: PostId) -> Iterator[Delivery]:
        after: UserId | None = None
        while True:
            page = self.uow.deliveries.page(post_id, after=after, limit=self.page_size)
            yield from page
            if len(page) < self.page_size:
                return
            after = page[-1].user_id


@attrs.frozen
class DownloadReport:
    uow: UnitOfWork

    def __call__(self, report_id: ReportId) -> tuple[Report, str]:
        with self.uow:
            report = self.uow.reports.get(report_id)
            if report is None:
                raise ReportNotFound(report_id)
            if not report.is_ready:
                raise ReportNotReady(report_id, report.status)
            content = self.uow.reports.content(report_id)
        if content is None:
            raise ReportNotReady(report_id, report.status)
        return report, content


@attrs.frozen
class GetReport:
    uow: UnitOfWork

    def __call__(self, report_id: ReportId) -> Report:
        with self.uow:
            report = self.uow.reports.get(report_id)
        if report is None:
            raise ReportNotFound(report_id)
        return report


def _row(delivery: Delivery) -> tuple[str, str, str, str]:
    return (
        _cell(delivery.email or str(delivery.user_id)),
        str(delivery.state),
        delivery.updated_at.isoformat(),
        _cell(delivery.error or ""),
    )


def _cell(value: str) -> str:
    """Neutralise spreadsheet formulas (CSV injection) in text that came from outside."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value
