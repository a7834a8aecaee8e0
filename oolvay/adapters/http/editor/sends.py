"""The view of a post's send that the pages and the live JSON show.

Filled from GetDeliveryStatus and CountAudience; fields those cannot know yet (uncertain,
skipped, the rate and the ETA, a cancellation) keep their defaults."""

from __future__ import annotations

import re
from typing import Any, Literal

import attrs

from oolvay.application.deliveries import DeliveryStatus
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
_PERMANENT = re.compile(r"^5\d\d\b|is not a valid email address|^cannot ")


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
    rate_per_second: float | None = None
    eta_seconds: float | None = None
    failures: FailedPage = FailedPage((), 0, 0, 20)

    @property
    def label(self) -> str:
        return LABELS[self.state]

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.skipped + self.uncertain

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


def permanent(error: str) -> bool:
    return bool(_PERMANENT.search(error))


def failed_page(
    failed: list[Delivery], *, text: str, kind: str, offset: int, limit: int
) -> FailedPage:
    recipients = [
        FailedRecipient(d.email or str(d.user_id), d.error or "", permanent(d.error or ""))
        for d in failed
    ]
    wanted = text.strip().lower()
    matching = [
        r
        for r in recipients
        if (not wanted or wanted in r.email.lower() or wanted in r.reason.lower())
        and (kind == "" or r.permanent == (kind == "permanent"))
    ]
    chosen_kind: Literal["", "permanent", "temporary"] = (
        "permanent" if kind == "permanent" else "temporary" if kind == "temporary" else ""
    )
    return FailedPage(
        tuple(matching[offset : offset + limit]), len(matching), offset, limit, text, chosen_kind
    )


def send_status(
    status: DeliveryStatus, remaining: int, failures: FailedPage | None = None
) -> SendStatusView:
    """``remaining``: recipients in the audience who have not got the post yet."""
    sending = status.counts.get(DeliveryState.PENDING, 0)
    sent = status.counts.get(DeliveryState.SENT, 0)
    failed = status.counts.get(DeliveryState.FAILED, 0)
    queued = max(0, remaining - sending - failed)
    state: SendState
    if sending:
        state = "sending"
    elif queued:
        state = "sending" if sent or failed else "queued"
    elif failed:
        state = "sent_with_failures" if sent else "failed"
    else:
        state = "sent"
    return SendStatusView(
        state=state,
        audience=sent + remaining,
        queued=queued,
        sending=sending,
        sent=sent,
        failed=failed,
        failures=failures or FailedPage((), failed, 0, 20),
    )
