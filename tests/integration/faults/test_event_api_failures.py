"""Inngest's event API fails in each way while 50 posts are published through the HTTP app:
every publish succeeds, each failure is logged, reported and recorded once, and
``oolvay dispatches retry --all`` delivers every event once the API is back."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from structlog.testing import capture_logs
from typer.testing import CliRunner

from oolvay.adapters.cli.app import app as cli
from tests.integration.faults.support import Editor, an_app
from tests.integration.inngest.servers import MISBEHAVING, EventApi, accepting
from tests.integration.inngest.support import CLOUD

PUBLISHES = 50
PUBLISHERS = 16
"""Publishes at once: each failing one waits out the budget, so they overlap."""
BUDGET = "0.2"


@pytest.mark.parametrize("misbehaviour", list(MISBEHAVING))
def test_fifty_publishes_at_once_succeed_are_each_told_once_and_retried_once(
    engine: Engine, misbehaviour: str, sentry_events: list[dict[str, Any]]
) -> None:
    with MISBEHAVING[misbehaviour]() as url:
        app = an_app(
            engine,
            {
                **CLOUD,
                "INNGEST_BASE_URL": url,
                "OOLVAY_BACKGROUND_JOBS__INNGEST__DISPATCH_BUDGET_SECONDS": BUDGET,
            },
        )
        editor = Editor.of(app)
        posts = [editor.draft() for _ in range(PUBLISHES)]
        with capture_logs() as logs, ThreadPoolExecutor(PUBLISHERS) as publishers:
            responses = list(publishers.map(editor.publish, posts))

    assert [response.status_code for response in responses] == [200] * PUBLISHES
    notifications = [response.json()["notifications"] for response in responses]
    assert {n["status"] for n in notifications} == {"dispatch_failed"}
    assert [response.json()["post"]["status"] for response in responses] == [
        "published"
    ] * PUBLISHES
    # The send exists, unplanned: a dispatch retried later (or a resend) plans it.
    assert {response.json()["send"]["state"] for response in responses} == {"queued"}

    told = [entry for entry in logs if entry["log_level"] in ("error", "critical")]
    assert {entry["event"] for entry in told} == {"Failed to enqueue Inngest job"}
    assert Counter(entry["postId"] for entry in told) == dict.fromkeys(posts, 1)
    assert {tuple(event["fingerprint"]) for event in sentry_events} == {
        ("inngest", "dispatchPostNotification")
    }
    assert Counter(event["tags"]["postId"] for event in sentry_events) == dict.fromkeys(posts, 1)

    failures = app.failed_dispatches().unresolved(limit=10 * PUBLISHES)
    assert Counter(failure.context["postId"] for failure in failures) == dict.fromkeys(posts, 1)
    event_ids = {failure.payload["id"] for failure in failures}
    assert event_ids == {n["reference"] for n in notifications}

    with EventApi(accepting) as inngest:
        back = an_app(engine, {**CLOUD, "INNGEST_BASE_URL": inngest.url})
        outcome = CliRunner().invoke(
            cli, ["dispatches", "retry", "--all", "--limit", str(10 * PUBLISHES)], obj=back
        )

    assert outcome.exit_code == 0, outcome.output
    assert Counter(inngest.received_ids) == dict.fromkeys(event_ids, 1)
    assert back.failed_dispatches().unresolved(limit=10 * PUBLISHES) == []
    succeeded = sum(response.status_code == 200 for response in responses)
    print(
        f"\nevent API {misbehaviour}, {engine.dialect.name}: {PUBLISHES} publishes, "
        f"{succeeded} x 200, {len(told)} log lines, "
        f"{len(sentry_events)} Sentry events, {len(failures)} failed dispatches; retried: "
        f"{len(inngest.received_ids)} events, {len(set(inngest.received_ids))} distinct"
    )
