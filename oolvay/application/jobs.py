"""Jobs: small typed values that say what should happen later."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Protocol, TypeVar

import attrs

from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import NotificationType
from oolvay.domain.reports import ReportId

JSONScalar = str | int | float | bool | None
JobResult = Mapping[str, JSONScalar]
"""What a handler returns: small and JSON-safe (ids and counts, never entities)."""


class Job(Protocol):
    """A request for work: ``name`` is its kind; ``context()`` feeds logs and error reports."""

    name: ClassVar[str]

    def context(self) -> Mapping[str, str]: ...


J_contra = TypeVar("J_contra", bound=Job, contravariant=True)


class JobHandler(Protocol[J_contra]):
    def __call__(self, job: J_contra) -> JobResult: ...


@attrs.frozen
class SendPostNotifications:
    """Email every subscriber who should hear about a published post."""

    name: ClassVar[str] = "send-post-notifications"

    post_id: PostId
    notification_type: NotificationType = NotificationType.EMAIL
    reason: str = "publish"
    """Why this run was requested (``publish``, ``resend-<n>``): two requests for the same
    reason are the same request, which lets a queue deduplicate them."""

    def context(self) -> Mapping[str, str]:
        return {
            "postId": str(self.post_id),
            "notificationType": str(self.notification_type),
            "reason": self.reason,
        }


@attrs.frozen
class GenerateReport:
    """Build the delivery report ``report_id`` and tell its requester."""

    name: ClassVar[str] = "generate-report"

    report_id: ReportId
    requested_by: UserId

    def context(self) -> Mapping[str, str]:
        return {"reportId": str(self.report_id), "requestedBy": str(self.requested_by)}
