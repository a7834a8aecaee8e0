import uuid

import pytest
from structlog.testing import capture_logs

from oolvay.adapters.inline.queue import InlineJobQueue
from oolvay.application.jobs import SendPostNotifications
from oolvay.application.ports import DispatchStatus
from oolvay.domain.ids import PostId
from tests.fakes import FakeErrorReporter

JOB = SendPostNotifications(post_id=PostId(uuid.UUID(int=5)))


def test_runs_the_handler_now_and_returns_its_result() -> None:
    calls: list[object] = []

    def handler(job: object) -> dict[str, int]:
        calls.append(job)
        return {"sent": 2}

    queue = InlineJobQueue(
        handlers={SendPostNotifications: handler},
        reporter=FakeErrorReporter(),
    )

    dispatch = queue.enqueue(JOB)

    assert calls == [JOB]
    assert (dispatch.queue, dispatch.status, dispatch.result) == (
        "inline",
        DispatchStatus.RAN,
        {"sent": 2},
    )


def test_a_failing_handler_is_logged_reported_and_does_not_raise() -> None:
    def boom(job: SendPostNotifications) -> dict[str, int]:
        raise RuntimeError("database went away")

    reporter = FakeErrorReporter()
    queue = InlineJobQueue(handlers={SendPostNotifications: boom}, reporter=reporter)

    with capture_logs() as logs:
        dispatch = queue.enqueue(JOB)

    assert dispatch.status is DispatchStatus.FAILED
    assert dispatch.error == "database went away"
    [report] = reporter.reports
    assert report.fingerprint == ("inline", "send-post-notifications")
    assert report.tags["postId"] == str(JOB.post_id)
    errors = [entry for entry in logs if entry["log_level"] == "error"]
    assert [e["event"] for e in errors] == ["Inline job failed"]


def test_a_job_without_a_handler_is_a_programming_error() -> None:
    queue = InlineJobQueue(handlers={}, reporter=FakeErrorReporter())

    with pytest.raises(LookupError, match="SendPostNotifications"):
        queue.enqueue(JOB)
