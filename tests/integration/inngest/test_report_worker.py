"""The second job, added by the recipe: ``report.generated`` runs ``generate-report``."""

import csv
import io
import uuid
from typing import Any

import inngest
from dependency_injector import providers

from oolvay.adapters.inngest.events import ReportGenerated
from oolvay.domain.reports import Report, ReportStatus
from oolvay.domain.sends import Send
from tests.builders import T0, a_post, a_subscriber
from tests.integration.inngest.support import (
    CLOUD,
    REPORT_FN,
    SEND_FN,
    App,
    an_app,
    call,
    function_failed,
    invocation,
    run_to_completion,
)
from tests.integration.inngest.test_route import in_band_sync


def a_sent_post_and_editor(app: App) -> tuple[object, object]:
    post = a_post()
    post.publish(T0)
    editor = a_subscriber(99, email="editor@example.com", wants_post_emails=False)
    with app.uow:
        app.uow.posts.add(post)
        app.uow.users.add(editor)
        app.uow.sends.add(Send.new(post.id, now=T0))
        for n in range(3):
            app.uow.users.add(a_subscriber(n))
        app.uow.commit()
    app.container.send_post_notifications().run(post.id, holder="test")
    app.mailer.sent.clear()
    return post.id, editor.id


def test_requesting_a_report_sends_the_event_and_the_worker_builds_it() -> None:
    app = an_app(CLOUD)
    sent_events: list[object] = []

    def send(events: list[inngest.Event]) -> list[str]:
        sent_events.extend(events)
        return [e.id for e in events]

    app.container.inngest_event_sender.override(providers.Object(send))
    post_id, editor_id = a_sent_post_and_editor(app)

    report, dispatch = app.container.request_report()(post_id, requested_by=editor_id)  # type: ignore[arg-type]
    [event] = sent_events
    response = run_to_completion(app, event, fn_id=REPORT_FN)  # type: ignore[arg-type]

    assert dispatch.status == "dispatched"
    assert report.status is ReportStatus.REQUESTED
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == 3
    stored = app.uow.store.reports[report.id]
    assert stored.status is ReportStatus.READY
    rows = list(csv.DictReader(io.StringIO(app.uow.store.report_contents[report.id])))
    assert sorted(r["recipient"] for r in rows) == [f"reader{n}@example.com" for n in range(3)]
    assert app.mailer.recipients == ["editor@example.com"]


def test_generate_report_overrides_the_global_retry_count() -> None:
    app = an_app({**CLOUD, "OOLVAY_BACKGROUND_JOBS__INNGEST__RETRIES": "7"})

    functions = {f["id"]: f for f in in_band_sync(app).json()["functions"]}

    assert functions[SEND_FN]["steps"]["step"]["retries"] == {"attempts": 7}
    assert functions[REPORT_FN]["steps"]["step"]["retries"] == {"attempts": 1}


def test_an_unknown_report_is_not_retried() -> None:
    app = an_app(CLOUD)
    event = ReportGenerated.create(report_id=uuid.uuid4(), requested_by=uuid.uuid4())

    response = call(app, invocation(event), fn_id=REPORT_FN)

    assert response.headers["x-inngest-no-retry"] == "true"
    assert "does not exist" in response.json()["message"]


def test_when_the_report_job_gives_up_the_report_is_marked_failed(
    sentry_events: list[dict[str, Any]],
) -> None:
    app = an_app(CLOUD)
    post_id, editor_id = a_sent_post_and_editor(app)
    report = Report.request(post_id=post_id, requested_by=editor_id, now=T0)  # type: ignore[arg-type]
    with app.uow:
        app.uow.reports.add(report)
        app.uow.commit()
    original = ReportGenerated.create(report_id=report.id, requested_by=report.requested_by)
    failed = function_failed(original, fn_id=REPORT_FN, run_id="run-9", message="mail server down")

    response = call(app, invocation(failed), fn_id=f"{REPORT_FN}-failure")

    assert response.status_code == 200
    [event] = sentry_events
    assert event["fingerprint"] == ["inngest", "generate-report", "failed"]
    assert event["tags"]["reportId"] == str(report.id)
    stored = app.uow.store.reports[report.id]
    assert stored.status is ReportStatus.FAILED
    assert "mail server down" in (stored.error or "")
