"""The send's view from today's delivery counts: its state, its numbers, its failures."""

from __future__ import annotations

import uuid

import pytest

from oolvay.adapters.http.editor.sends import failed_page, permanent, send_status
from oolvay.application.deliveries import DeliveryStatus
from oolvay.domain.deliveries import Delivery, DeliveryState
from oolvay.domain.ids import PostId, UserId
from tests.builders import T0

POST = PostId(uuid.UUID(int=7))


def status(pending: int = 0, sent: int = 0, failed: int = 0) -> DeliveryStatus:
    counts = {
        DeliveryState.PENDING: pending,
        DeliveryState.SENT: sent,
        DeliveryState.FAILED: failed,
    }
    return DeliveryStatus(post_id=POST, counts=counts, failed=[])


@pytest.mark.parametrize(
    ("counts", "remaining", "state"),
    [
        ({}, 3, "queued"),
        ({"pending": 2}, 3, "sending"),
        ({"sent": 1}, 2, "sending"),  # between two batches
        ({"sent": 3}, 0, "sent"),
        ({"sent": 2, "failed": 1}, 1, "sent_with_failures"),
        ({"failed": 3}, 3, "failed"),
        ({}, 0, "sent"),  # nobody to send to
    ],
)
def test_the_state_follows_the_counts(counts: dict[str, int], remaining: int, state: str) -> None:
    assert send_status(status(**counts), remaining).state == state


def test_the_numbers_add_up_to_the_audience() -> None:
    view = send_status(status(pending=10, sent=30, failed=5), remaining=70)

    assert (view.audience, view.sent, view.sending, view.failed, view.queued) == (
        100,
        30,
        10,
        5,
        55,
    )
    assert view.percent == 35
    assert not view.final
    assert view.as_json()["label"] == "Sending"


def test_the_defaults_the_counts_cannot_fill_yet() -> None:
    view = send_status(status(sent=1), remaining=0)

    assert view.planned is True
    assert (view.uncertain, view.skipped) == (0, 0)
    assert (view.rate_per_second, view.eta_seconds) == (None, None)


@pytest.mark.parametrize(
    ("error", "is_permanent"),
    [
        ("550 5.1.1 no such user", True),
        ("'x' is not a valid email address (empty)", True),
        ("451 4.3.0 try again", False),
        ("mailer error: ConnectionResetError()", False),
    ],
)
def test_permanent_failures_are_told_from_temporary_ones(error: str, is_permanent: bool) -> None:
    assert permanent(error) is is_permanent


def failure(n: int, error: str) -> Delivery:
    return Delivery(
        POST, UserId(uuid.UUID(int=n)), DeliveryState.FAILED, T0, error, email=f"r{n}@example.com"
    )


def test_failed_recipients_are_filtered_and_paged() -> None:
    failed = [failure(n, "550 gone" if n % 2 else "451 later") for n in range(1, 8)]

    temporary = failed_page(failed, text="", kind="temporary", offset=0, limit=2)
    matching = failed_page(failed, text="R7@", kind="", offset=0, limit=10)

    assert temporary.total == 3
    assert [f.email for f in temporary.items] == ["r2@example.com", "r4@example.com"]
    assert temporary.has_next
    assert [f.email for f in matching.items] == ["r7@example.com"]
    assert matching.items[0].permanent
