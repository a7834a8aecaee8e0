import uuid

import pytest

from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId
from oolvay.domain.sends import Send, SendProgress, SendState
from tests.builders import T0

S = DeliveryState


def a_send(**planned: int) -> Send:
    send = Send.new(PostId(uuid.uuid4()), now=T0)
    if planned:
        send.planned(audience=planned["audience"], batch_size=10, now=T0)
    return send


def progress(**counts: int) -> SendProgress:
    return SendProgress(counts={DeliveryState(k): v for k, v in counts.items()})


@pytest.mark.parametrize(
    ("counts", "state"),
    [
        ({"queued": 5}, SendState.QUEUED),
        ({"queued": 4, "sent": 1}, SendState.SENDING),
        ({"sending": 1, "sent": 4}, SendState.SENDING),
        ({"sent": 5}, SendState.SENT),
        ({"sent": 4, "skipped": 1}, SendState.SENT),
        ({"sent": 4, "failed": 1}, SendState.SENT_WITH_FAILURES),
        ({"sent": 4, "uncertain": 1}, SendState.SENT_WITH_FAILURES),
        ({"failed": 5}, SendState.FAILED),
        ({}, SendState.SENT),
    ],
)
def test_a_planned_sends_state_follows_its_recipients(
    counts: dict[str, int], state: SendState
) -> None:
    assert a_send(audience=5).state(progress(**counts)) is state


def test_a_send_not_planned_is_queued_or_failed_with_its_reason() -> None:
    send = a_send()
    assert send.state(progress()) is SendState.QUEUED

    send.stopped("planning gave up")
    assert send.state(progress()) is SendState.FAILED

    send.plan_again()
    assert send.state(progress()) is SendState.QUEUED


def test_a_send_is_planned_once_into_batches() -> None:
    send = a_send(audience=25)

    assert (send.batches, send.batch_size) == (3, 10)
    with pytest.raises(ValueError, match="already planned"):
        send.planned(audience=1, batch_size=10, now=T0)


def test_a_new_round_numbers_its_batches_and_reopens_the_send() -> None:
    send = a_send(audience=25)
    send.cancel(T0)

    assert send.new_round(recipients=11) == 1
    assert send.batches == 2
    assert not send.is_cancelled


def test_a_cancelled_send_says_cancelled_whatever_it_holds() -> None:
    send = a_send(audience=5)
    send.cancel(T0)

    assert send.state(progress(sending=2, cancelled=3)) is SendState.CANCELLED
