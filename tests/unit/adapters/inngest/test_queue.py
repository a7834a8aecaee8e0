import uuid
from typing import ClassVar

import pytest
from structlog.testing import capture_logs

from oolvay.adapters.inngest.events import (
    InvalidEventPayload,
    PostPublished,
    PostPublishedData,
    event_from_json,
    event_to_json,
)
from oolvay.adapters.inngest.queue import InngestJobQueue
from oolvay.adapters.inngest.registry import job_routes
from oolvay.application.jobs import GenerateReport, SendPostNotifications
from oolvay.application.ports import DispatchStatus
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.reports import ReportId
from tests.fakes import FakeClock, FakeErrorReporter, FakeUnitOfWork, RecordingEventSender

POST_ID = PostId(uuid.UUID("2b0f7e0e-8d7e-4a39-9f37-1d1c7c3f0b11"))
JOB = SendPostNotifications(post_id=POST_ID)


def a_queue(
    sender: RecordingEventSender,
    reporter: FakeErrorReporter | None = None,
    uow: FakeUnitOfWork | None = None,
) -> InngestJobQueue:
    return InngestJobQueue(
        send=sender,
        reporter=reporter or FakeErrorReporter(),
        uow=uow or FakeUnitOfWork(),
        clock=FakeClock(),
        routes=job_routes(),
    )


def refused() -> BaseException:
    return ConnectionRefusedError("refused")


def test_a_job_becomes_a_post_published_event() -> None:
    sender = RecordingEventSender()

    dispatch = a_queue(sender).enqueue(JOB)

    [event] = sender.events
    assert (event.name, event.data) == ("post.published", {"post_id": str(POST_ID)})
    assert dispatch.status is DispatchStatus.DISPATCHED
    assert dispatch.reference == event.id


def test_the_event_id_is_deterministic_per_request() -> None:
    first = PostPublished.create(post_id=POST_ID)
    again = PostPublished.create(post_id=POST_ID)
    resend = PostPublished.create(post_id=POST_ID, reason="resend-1")

    assert first.id == again.id
    assert resend.id != first.id


def test_a_send_failure_is_logged_reported_and_swallowed() -> None:
    reporter = FakeErrorReporter()
    queue = a_queue(RecordingEventSender(fail_with=refused), reporter)

    with capture_logs() as logs:
        dispatch = queue.enqueue(JOB)

    assert dispatch.status is DispatchStatus.DISPATCH_FAILED
    [line] = [entry for entry in logs if entry["log_level"] == "error"]
    assert line["event"] == "Failed to enqueue Inngest job"
    assert line["postId"] == str(POST_ID)
    assert "refused" in line["error"]
    [report] = reporter.reports
    assert report.fingerprint == ("inngest", "dispatchPostNotification")
    assert report.tags["action"] == "dispatchPostNotification"
    assert report.tags["postId"] == str(POST_ID)
    assert report.tags["notificationType"] == "email"
    assert report.contexts["inngest"]["eventName"] == "post.published"


def test_a_send_failure_is_recorded_with_the_event_to_send_again() -> None:
    uow = FakeUnitOfWork()

    dispatch = a_queue(RecordingEventSender(fail_with=refused), uow=uow).enqueue(JOB)

    [failure] = uow.store.failed_dispatches.values()
    assert failure.queue == "inngest"
    assert failure.job_name == "send-post-notifications"
    assert failure.context["postId"] == str(POST_ID)
    assert "refused" in failure.error
    assert event_from_json(failure.payload) == PostPublished.create(post_id=POST_ID)
    assert dispatch.reference == failure.payload["id"]


class BrokenUnitOfWork(FakeUnitOfWork):
    def commit(self) -> None:
        raise RuntimeError("database is down")


def test_a_failure_to_record_the_failure_is_logged_and_swallowed() -> None:
    reporter = FakeErrorReporter()
    queue = a_queue(RecordingEventSender(fail_with=refused), reporter, BrokenUnitOfWork())

    with capture_logs() as logs:
        dispatch = queue.enqueue(JOB)

    assert dispatch.status is DispatchStatus.DISPATCH_FAILED
    events = [entry["event"] for entry in logs if entry["log_level"] == "error"]
    assert events == [
        "Could not record the failed Inngest dispatch",
        "Failed to enqueue Inngest job",
    ]
    assert len(reporter.reports) == 1


def test_a_job_without_a_route_is_a_programming_error() -> None:
    class Unrouted:
        name: ClassVar[str] = "unrouted"

        def context(self) -> dict[str, str]:
            return {}

    with pytest.raises(LookupError, match="Unrouted"):
        a_queue(RecordingEventSender()).enqueue(Unrouted())


def test_reading_an_event_back_validates_it() -> None:
    event = PostPublished.create(post_id=POST_ID)

    assert PostPublished.type.read(event.data) == PostPublishedData(post_id=POST_ID)


def test_a_stored_event_round_trips() -> None:
    event = PostPublished.create(post_id=POST_ID)

    assert event_from_json(event_to_json(event)) == event


@pytest.mark.parametrize(
    "data",
    [{}, {"post_id": "not-a-uuid"}, {"post_id": 5}, {"post_id": str(POST_ID), "extra": 1}],
)
def test_a_malformed_payload_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(InvalidEventPayload):
        PostPublished.type.read(data)


def test_a_report_job_becomes_a_report_generated_event() -> None:
    report_id, editor = uuid.uuid4(), uuid.uuid4()
    sender = RecordingEventSender()

    a_queue(sender).enqueue(GenerateReport(ReportId(report_id), UserId(editor)))

    [event] = sender.events
    assert event.name == "report.generated"
    assert event.data == {"report_id": str(report_id), "requested_by": str(editor)}
    assert event.id == f"report.generated:{report_id}"


def test_a_failed_report_dispatch_is_reported_under_its_own_name() -> None:
    report_id, editor = uuid.uuid4(), uuid.uuid4()
    reporter, uow = FakeErrorReporter(), FakeUnitOfWork()
    queue = a_queue(RecordingEventSender(fail_with=refused), reporter, uow)

    with capture_logs() as logs:
        dispatch = queue.enqueue(GenerateReport(ReportId(report_id), UserId(editor)))

    assert dispatch.status is DispatchStatus.DISPATCH_FAILED
    assert [e["event"] for e in logs if e["log_level"] == "error"] == [
        "Failed to enqueue Inngest job"
    ]
    [report] = reporter.reports
    assert report.fingerprint == ("inngest", "dispatchReportGeneration")
    assert report.tags["reportId"] == str(report_id)
    assert report.tags["requestedBy"] == str(editor)
    [failure] = uow.store.failed_dispatches.values()
    assert failure.job_name == "generate-report"


def test_a_job_no_served_worker_reacts_to_cannot_be_sent() -> None:
    queue = InngestJobQueue(
        send=RecordingEventSender(),
        reporter=FakeErrorReporter(),
        uow=FakeUnitOfWork(),
        clock=FakeClock(),
        routes={},
    )

    with pytest.raises(LookupError, match="SendPostNotifications"):
        queue.enqueue(JOB)
