import uuid

import pytest

from oolvay.domain.deliveries import UNFINISHED, DeliveryOutcome, DeliveryState
from oolvay.domain.ids import UserId

USER = UserId(uuid.UUID(int=8))


def test_only_queued_and_sending_recipients_keep_a_send_unfinished() -> None:
    assert {DeliveryState.QUEUED, DeliveryState.SENDING} == UNFINISHED


@pytest.mark.parametrize(
    "state", [s for s in DeliveryState if s not in (DeliveryState.SENT, DeliveryState.FAILED)]
)
def test_an_outcome_is_sent_or_failed(state: DeliveryState) -> None:
    with pytest.raises(ValueError, match="sent or failed"):
        DeliveryOutcome(USER, state)


def test_a_failed_outcome_says_why() -> None:
    with pytest.raises(ValueError, match="error exactly when it failed"):
        DeliveryOutcome(USER, DeliveryState.FAILED)
    with pytest.raises(ValueError, match="error exactly when it failed"):
        DeliveryOutcome(USER, DeliveryState.SENT, error="oops")


def test_outcome_constructors() -> None:
    assert DeliveryOutcome.sent(USER).state is DeliveryState.SENT
    failed = DeliveryOutcome.failed(USER, "421 busy", retriable=True)
    assert (failed.state, failed.error, failed.retriable) == (
        DeliveryState.FAILED,
        "421 busy",
        True,
    )
