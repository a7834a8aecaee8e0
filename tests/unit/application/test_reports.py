import csv
import io
import uuid

import pytest

from oolvay.application.jobs import GenerateReport
from oolvay.application.reports import (
    DownloadReport,
    GenerateReportHandler,
    ReportEmailDeferred,
    ReportNotFound,
    RequestReport,
)
from oolvay.domain.errors import PostNotFound
from oolvay.domain.ids import PostId
from oolvay.domain.reports import ReportId, ReportNotReady, ReportStatus
from oolvay.domain.users import User
from tests.builders import T0, a_post, a_subscriber
from tests.fakes import FakeMailer, FakeRenderer
from tests.unit.application.conftest import World


def generate(world: World) -> GenerateReportHandler:
    return GenerateReportHandler(
        uow=world.uow, mailer=world.mailer, renderer=FakeRenderer(), clock=world.clock, page_size=2
    )


def sent_post_with_requester(world: World) -> tuple[PostId, User]:
    world.mailer = FakeMailer(reject={"reader1@example.com": "=HYPERLINK(550 no such user)"})
    editor = a_subscriber(99, email="editor@example.com", wants_post_emails=False)
    post_id = world.published(a_post(), editor, *(a_subscriber(n) for n in range(5)))
    world.send.run(post_id, holder="run-1")
    world.mailer = FakeMailer()
    return post_id, editor


def test_requesting_records_the_report_and_enqueues_the_job(world: World) -> None:
    post_id, editor = sent_post_with_requester(world)

    report, _ = RequestReport(world.uow, world.queue, world.clock)(post_id, requested_by=editor.id)

    assert report.status is ReportStatus.REQUESTED
    world.queue.assert_enqueued(GenerateReport(report_id=report.id, requested_by=editor.id))


def test_requesting_a_report_of_an_unknown_post_fails(world: World) -> None:
    with pytest.raises(PostNotFound):
        RequestReport(world.uow, world.queue, world.clock)(
            PostId(uuid.uuid4()), requested_by=a_subscriber(1).id
        )
    world.queue.assert_nothing_enqueued()


def test_the_report_is_a_csv_of_every_delivery_and_the_requester_is_told(world: World) -> None:
    post_id, editor = sent_post_with_requester(world)
    report, _ = RequestReport(world.uow, world.queue, world.clock)(post_id, requested_by=editor.id)

    result = generate(world)(GenerateReport(report.id, editor.id))

    assert result["rows"] == 5
    _, content = DownloadReport(world.uow)(report.id)
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [r["recipient"] for r in rows] == [f"reader{n}@example.com" for n in range(5)]
    assert [r["state"] for r in rows] == ["sent", "failed", "sent", "sent", "sent"]
    assert rows[1]["error"] == "'=HYPERLINK(550 no such user)"  # no formula injection
    assert world.mailer.recipients == ["editor@example.com"]


def test_a_retry_neither_rebuilds_nor_emails_twice(world: World) -> None:
    post_id, editor = sent_post_with_requester(world)
    report, _ = RequestReport(world.uow, world.queue, world.clock)(post_id, requested_by=editor.id)
    job = GenerateReport(report.id, editor.id)
    generate(world)(job)
    world.clock.advance(minutes=5)

    result = generate(world)(job)

    assert result["notified"] is False
    assert world.mailer.recipients == ["editor@example.com"]
    stored = world.uow.store.reports[report.id]
    assert stored.completed_at == T0


def test_a_deferred_email_fails_the_job_for_a_retry_but_keeps_the_report(world: World) -> None:
    post_id, editor = sent_post_with_requester(world)
    report, _ = RequestReport(world.uow, world.queue, world.clock)(post_id, requested_by=editor.id)
    world.mailer = FakeMailer(defer_sessions={0})

    with pytest.raises(ReportEmailDeferred):
        generate(world)(GenerateReport(report.id, editor.id))

    assert world.uow.store.reports[report.id].is_ready
    assert world.uow.store.reports[report.id].notified_at is None


def test_downloading_before_it_is_ready_is_refused(world: World) -> None:
    post_id, editor = sent_post_with_requester(world)
    report, _ = RequestReport(world.uow, world.queue, world.clock)(post_id, requested_by=editor.id)

    with pytest.raises(ReportNotReady):
        DownloadReport(world.uow)(report.id)
    with pytest.raises(ReportNotFound):
        DownloadReport(world.uow)(ReportId(uuid.uuid4()))
