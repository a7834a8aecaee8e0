"""The editors' view of a send, from its status: its state, its numbers, its failures."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from oolvay.adapters.http.editor.sends import failed_page, send_status
from oolvay.application.bounces import PostFeedback
from oolvay.application.sending.status import SendOverview
from oolvay.domain.deliveries import Delivery, DeliveryState
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.sends import Send, SendProgress
from tests.builders import T0

POST = PostId(uuid.UUID(int=7))


def overview(audience: int | None = 100, rate: float | None = None, **counts: int) -> SendOverview:
    send = Send.new(POST, now=T0)
    if audience is not None:
        send.planned(audience=audience, batch_size=10, now=T0)
    progress = SendProgress(
        counts={DeliveryState(k): v for k, v in counts.items()}, stalled=counts.get("sending", 0)
    )
    state = send.state(progress)
    eta = progress.unfinished / rate if rate else None
    feedback = PostFeedback(sent=progress[DeliveryState.SENT], counts={})
    return SendOverview(send, state, progress, rate, eta, failed=[], feedback=feedback)


@pytest.mark.parametrize(
    ("audience", "counts", "state"),
    [
        (None, {}, "queued"),
        (3, {"queued": 3}, "queued"),
        (3, {"sending": 2, "queued": 1}, "sending"),
        (3, {"sent": 3}, "sent"),
        (3, {"sent": 2, "failed": 1}, "sent_with_failures"),
        (3, {"failed": 3}, "failed"),
        (0, {}, "sent"),
    ],
)
def test_the_state_is_the_sends_own(
    audience: int | None, counts: dict[str, int], state: str
) -> None:
    assert send_status(overview(audience, **counts)).state == state


def test_the_numbers_rate_and_eta_come_from_the_status() -> None:
    view = send_status(overview(100, rate=20.0, queued=55, sending=10, sent=30, failed=5))

    assert (view.audience, view.sent, view.sending, view.failed, view.queued) == (
        100,
        30,
        10,
        5,
        55,
    )
    assert view.stalled == 10
    assert view.percent == 35
    assert view.rate_per_second == 20.0
    assert view.eta_seconds == pytest.approx(65 / 20)
    assert not view.final
    assert view.as_json()["label"] == "Sending"


def test_a_send_not_planned_has_no_audience_yet() -> None:
    view = send_status(overview(None))

    assert view.planned is False
    assert view.audience is None
    assert view.percent == 0


def failure(n: int, *, retriable: bool) -> Delivery:
    error = "451 later" if retriable else "550 gone"
    return Delivery(
        POST,
        UserId(uuid.UUID(int=n)),
        DeliveryState.FAILED,
        T0 + timedelta(seconds=n),
        error,
        retriable=retriable,
        email=f"r{n}@example.com",
    )


def test_failed_recipients_say_whether_a_resend_may_reach_them() -> None:
    failed = [failure(1, retriable=False), failure(2, retriable=True)]

    page = failed_page(failed, total=7, text="", kind="", offset=0, limit=2)

    assert [(f.email, f.permanent) for f in page.items] == [
        ("r1@example.com", True),
        ("r2@example.com", False),
    ]
    assert page.total == 7
    assert page.has_next
