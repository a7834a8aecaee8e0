"""Delivery reports: a CSV of a post's deliveries, made in the background on request."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import NewType

import attrs

from oolvay.domain.errors import Conflict
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.time import require_aware

ReportId = NewType("ReportId", uuid.UUID)


class ReportStatus(enum.StrEnum):
    REQUESTED = "requested"
    READY = "ready"
    FAILED = "failed"


class ReportNotReady(Conflict):
    def __init__(self, report_id: object, status: ReportStatus) -> None:
        super().__init__(f"report {report_id} is {status}, not ready")
        self.report_id = report_id


@attrs.define
class Report:
    id: ReportId
    post_id: PostId
    requested_by: UserId
    requested_at: datetime = attrs.field(validator=require_aware)
    status: ReportStatus = attrs.field(default=ReportStatus.REQUESTED, converter=ReportStatus)
    completed_at: datetime | None = attrs.field(default=None, validator=require_aware)
    row_count: int | None = None
    error: str | None = None
    notified_at: datetime | None = attrs.field(default=None, validator=require_aware)
    """When the requester was emailed that the report is ready."""

    @classmethod
    def request(cls, *, post_id: PostId, requested_by: UserId, now: datetime) -> Report:
        return cls(
            id=ReportId(uuid.uuid4()), post_id=post_id, requested_by=requested_by, requested_at=now
        )

    @property
    def is_ready(self) -> bool:
        return self.status is ReportStatus.READY

    def complete(self, *, rows: int, now: datetime) -> None:
        self.status, self.row_count, self.completed_at, self.error = (
            ReportStatus.READY,
            rows,
            now,
            None,
        )

    def fail(self, *, error: str, now: datetime) -> None:
        self.status, self.error, self.completed_at = ReportStatus.FAILED, error, now

    def mark_notified(self, now: datetime) -> None:
        self.notified_at = now
