"""The view of a post's send that the pages and the live JSON show, from its status."""

from __future__ import annotations

from typing import Any, Literal

import attrs

from oolvay.application.sending.status import SendOverview
from oolvay.domain.bounces import BounceKind
from oolvay.domain.deliveries import Delivery, DeliveryState

SendState = Literal["queued", "sending", "sent", "sent_with_failures", "failed", "cancelled"]
FINAL_STATES = frozenset({"sent", "sent_with_failures", "failed", "cancelled"})
LABELS = {
    "queued": "Queued",
    "sending": "Sending",
    "sent": "Sent",
    "sent_with_failures": "Sent, with failures",
    "failed": "Failed",
    "cancelled": "Cancelled",
}


@attrs.frozen
class FailedRecipient:
    email: str
    reason: str
    permanent: bool
    """Refused for good (a 5xx, an invalid address): a resend will not help."""


@attrs.frozen
class FailedPage:
    items: tuple[FailedRecipient, ...]
    total: int
    """Failed recipients matching the filter, on all pages."""
    offset: int
    limit: int
    text: str = ""
    kind: Literal["", "permanent", "temporary"] = ""

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total


@attrs.frozen
class SendStatusView:
    state: SendState
    planned: bool = True
    """Whether the recipients have been counted; until then ``audience`` is None."""
    audience: int | None = None
    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    """Handed to the mail server with no answer: perhaps delivered."""
    skipped: int = 0
    cancelled: int = 0
    stalled: int = 0
    """Of ``sending``: held by a run that stopped; taken over by the next run or a resend."""
    rate_per_second: float | None = None
    eta_seconds: float | None = None
    bounced: int = 0
    """Hard bounces, at sending or returned later: each suppressed its recipient."""
    complaints: int = 0
    complaint_rate: float | None = None
    failures: FailedPage = FailedPage((), 0, 0, 20)

    @property
    def label(self) -> str:
        return LABELS[self.state]

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped + self.uncertain + self.cancelled

    @property
    def percent(self) -> int:
        if not self.audience:
            return 100 if self.final else 0
        return min(100, round(100 * self.done / self.audience))

    def as_json(self) -> dict[str, Any]:
        fields = attrs.asdict(self, filter=lambda a, _v: a.name != "failures")
        return fields | {
            "label": self.label,
            "final": self.final,
            "percent": self.percent,
            "failed_recipients": [attrs.asdict(f) for f in self.failures.items],
            "failed_total": self.failures.total,
        }


Kind = Literal["", "permanent", "temporary"]


def kind_of(text: str) -> Kind:
    return "permanent" if text == "permanent" else "temporary" if text == "temporary" else ""


def failed_page(
    failed: list[Delivery], total: int, *, text: str, kind: Kind, offset: int, limit: int
) -> FailedPage:
    """A page of failed recipients: permanent ones were refused for good (5xx, an invalid
    address), temporary ones may get it at a resend."""
    recipients = tuple(
        FailedRecipient(d.email or str(d.user_id), d.error or "", not d.retriable) for d in failed
    )
    return FailedPage(recipients, total, offset, limit, text, kind)


def send_status(overview: SendOverview, failures: FailedPage | None = None) -> SendStatusView:
    p = overview.progress
    return SendStatusView(
        state=overview.state.value,
        planned=overview.send.is_planned,
        audience=overview.send.audience,
        queued=p[DeliveryState.QUEUED],
        sending=p[DeliveryState.SENDING],
        sent=p[DeliveryState.SENT],
        failed=p[DeliveryState.FAILED],
        uncertain=p[DeliveryState.UNCERTAIN],
        skipped=p[DeliveryState.SKIPPED],
        cancelled=p[DeliveryState.CANCELLED],
        stalled=p.stalled,
        rate_per_second=overview.rate_per_second,
        eta_seconds=overview.eta_seconds,
        bounced=overview.feedback.counts.get(BounceKind.HARD_BOUNCE, 0),
        complaints=overview.feedback.counts.get(BounceKind.COMPLAINT, 0),
        complaint_rate=overview.feedback.complaint_rate,
        failures=failures or FailedPage((), p[DeliveryState.FAILED], 0, 20),
    )
