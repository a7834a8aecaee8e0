import json
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

import inngest
import pytest
from structlog.testing import capture_logs

from oolvay.adapters.inngest.sending import (
    DeadlineEventSender,
    EventApiBadResponse,
    EventSendTimeout,
)

EVENT = inngest.Event(name="post.published", data={"post_id": "x"}, id="post.published:x")


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool


def test_a_send_that_answers_returns_its_ids(executor: ThreadPoolExecutor) -> None:
    sender = DeadlineEventSender(
        send=lambda events: [e.id for e in events], budget=5, executor=executor
    )

    assert sender([EVENT]) == [EVENT.id]


def test_a_send_that_does_not_answer_in_time_is_abandoned_and_its_end_logged(
    executor: ThreadPoolExecutor,
) -> None:
    release = threading.Event()

    def stuck(events: list[inngest.Event]) -> Sequence[str]:
        release.wait()
        raise ConnectionError("gave up at last")

    sender = DeadlineEventSender(send=stuck, budget=0.01, executor=executor)

    with capture_logs() as logs:
        with pytest.raises(EventSendTimeout, match=r"within 0\.01s"):
            sender([EVENT])
        release.set()
        executor.shutdown(wait=True)

    [line] = logs
    assert line["event"] == "An Inngest send abandoned at the dispatch budget failed"
    assert "gave up at last" in line["error"]


def test_a_body_that_is_not_json_is_named_as_such(executor: ThreadPoolExecutor) -> None:
    def html(events: list[inngest.Event]) -> Sequence[str]:
        return json.loads("<html>502 Bad Gateway</html>")  # type: ignore[no-any-return]

    sender = DeadlineEventSender(send=html, budget=5, executor=executor)

    with pytest.raises(EventApiBadResponse, match="not JSON"):
        sender([EVENT])


def test_other_errors_pass_through(executor: ThreadPoolExecutor) -> None:
    def closed_loop(events: list[inngest.Event]) -> Sequence[str]:
        raise RuntimeError("Event loop is closed")

    sender = DeadlineEventSender(send=closed_loop, budget=5, executor=executor)

    with pytest.raises(RuntimeError, match="Event loop is closed"):
        sender([EVENT])
