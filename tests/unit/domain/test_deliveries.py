import uuid

import pytest

from oolvay.domain.deliveries import Delivery, DeliveryOutcome, DeliveryState
from oolvay.domain.ids import PostId, UserId
from tests.builders import T0

POST = PostId(uuid.UUID(int=7))
USER = UserId(uuid.UUID(int=8))


def test_only_a_sent_delivery_is_done() -> None:
    assert not Delivery(POST, USER, DeliveryState.SENT, T0).needs_sending
    assert Delivery(POST, USER, DeliveryState.PENDING, T0).needs_sending
    assert Delivery(POST, USER, DeliveryState.FAILED, T0, error="550 no such user").needs_sending


def test_a_failed_delivery_says_why() -> None:
    with pytest.raises(ValueError, match="error exactly when it failed"):
        Delivery(POST, USER, DeliveryState.FAILED, T0)
    with pytest.raises(ValueError, match="error exactly when it failed"):
        Delivery(POST, USER, DeliveryState.SENT, T0, error="oops")


def test_an_outcome_is_never_pending() -> None:
    with pytest.raises(ValueError, match="never pending"):
        DeliveryOutcome(USER, DeliveryState.PENDING)


def test_outcome_constructors() -> None:
    assert DeliveryOutcome.sent(USER).state is DeliveryState.SENT
    failed = DeliveryOutcome.failed(USER, "421 busy", retriable=True)
    assert (failed.state, failed.error, failed.retriable) == (
        DeliveryState.FAILED,
        "421 busy",
        True,
    )
