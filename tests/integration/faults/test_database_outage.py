"""The database goes away right after a publish commits, for longer than every retry: the
send is never planned. Afterwards the status says so, and one resend plans it and emails
everyone once. PostgreSQL refuses connections for real; see ``database.py``."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.adapters.inngest.events import event_from_json
from oolvay.application.jobs import Job
from oolvay.application.ports import Dispatch, DispatchStatus, JobQueue
from oolvay.application.sending.status import SendOverview
from oolvay.composition_root import Container
from oolvay.domain.ids import PostId
from oolvay.domain.sends import SendState
from tests.fakes import FakeClock
from tests.integration.email.conftest import Sink, StartServer
from tests.integration.faults.database import Outage
from tests.integration.faults.inngest_player import InngestPlayer
from tests.integration.faults.support import (
    NOBODY,
    RETRY_ATTEMPTS,
    Arrivals,
    an_app,
    given_an_audience,
    settings_for,
    smtp_to,
)
from tests.integration.inngest.servers import EventApi, accepting
from tests.integration.inngest.support import CLOUD

AUDIENCE = 9
BATCH = 4
RETRIED = "Database transaction failed; running it again"


@attrs.frozen
class DatabaseGoesAway:
    """A job queue that takes the database away as the job is enqueued: the publish has
    committed, and nothing after it reaches the database."""

    queue: JobQueue
    outage: Outage

    def enqueue(self, job: Job) -> Dispatch:
        self.outage.begin()
        return self.queue.enqueue(job)


def retries_made(logs: list[dict[str, Any]]) -> int:
    return sum(1 for line in logs if line["event"] == RETRIED)


def unplanned(app: Container, post_id: PostId) -> SendOverview:
    """The send's status, which must show it was never planned."""
    overview = app.send_status()(post_id)
    assert overview.send.planned_at is None
    assert overview.send.audience is None
    assert overview.progress.total == 0
    return overview


def test_inline_an_outage_after_the_publish_then_one_resend_emails_everyone_once(
    engine: Engine, start_server: StartServer, outage: Outage, app_logs: list[dict[str, Any]]
) -> None:
    sink = Sink()
    app = an_app(engine, {**smtp_to(start_server(sink)), **settings_for(batch=BATCH)})
    audience = given_an_audience(engine, size=AUDIENCE, published=False)
    app.job_queue.override(providers.Object(DatabaseGoesAway(app.inline_queue(), outage)))

    published = app.publish_post()(audience.post.id)
    retried = retries_made(app_logs)
    outage.end()

    assert published.post.is_published
    assert published.dispatch is not None
    assert published.dispatch.status is DispatchStatus.FAILED  # the send, not the publish
    assert retried == RETRY_ATTEMPTS - 1  # the plan, tried as often as the policy allows
    assert sink.recipients == []
    assert unplanned(app, audience.post.id).state is SendState.QUEUED

    app.job_queue.reset_override()
    resent = app.resend()(audience.post.id)

    assert resent.requeued is None  # the resend planned the send
    assert resent.dispatch.status is DispatchStatus.RAN
    arrived = Arrivals.of(sink.recipients, audience.eligible)
    assert arrived.wrong == NOBODY
    assert app.send_status()(audience.post.id).state is SendState.SENT
    print(
        f"\ndatabase outage after the publish, inline, {engine.dialect.name}: the send failed "
        f"after {retried + 1} attempts, nothing sent, state queued (not planned); one resend: "
        f"{len(sink.recipients)} of {AUDIENCE} emailed, missing 0, twice 0"
    )


@pytest.mark.parametrize(
    "through_on_failure", [True, False], ids=["on-failure-fails-too", "back-for-on-failure"]
)
def test_inngestan_outage_after_the_publish_then_one_resend_emails_everyone_once(
    engine: Engine,
    start_server: StartServer,
    outage: Outage,
    sentry_events: list[dict[str, Any]],
    through_on_failure: bool,
) -> None:
    """The planner fails on every attempt; its ``on_failure`` (which Inngest calls once
    after the last) either fails too, leaving the send queued, or, the database back by
    then, marks it failed with the reason."""
    sink = Sink()
    with EventApi(accepting) as api:
        environ = {**CLOUD, "INNGEST_BASE_URL": api.url, **smtp_to(start_server(sink))}
        app = an_app(engine, {**environ, **settings_for(batch=BATCH)})
        clock = FakeClock()
        app.clock.override(providers.Object(clock))
        retries = app.config.background_jobs.inngest.retries()
        inngest = InngestPlayer(
            TestClient(create_app(app), raise_server_exceptions=False),
            retries=retries,
            wait=clock.elapse,
        )
        audience = given_an_audience(engine, size=AUDIENCE, published=False)

        published = app.publish_post()(audience.post.id)
        assert published.dispatch is not None
        assert published.dispatch.status is DispatchStatus.DISPATCHED
        [sent] = api.received
        outage.begin()
        back = (lambda: None) if through_on_failure else outage.end
        planner = inngest.run(event_from_json(sent), before_on_failure=back)
        outage.end()

        assert not planner.completed
        assert planner.attempts == retries + 1
        assert planner.on_failure is not None
        assert planner.on_failure.status_code == (500 if through_on_failure else 200)
        assert [e["fingerprint"] for e in sentry_events] == [
            ["inngest", "send-post-notifications", "failed"]
        ]
        assert sink.recipients == []
        overview = unplanned(app, audience.post.id)
        state = overview.state
        if through_on_failure:
            assert (state, overview.send.error) == (SendState.QUEUED, None)
        else:
            assert state is SendState.FAILED
            assert "send-post-notifications gave up" in (overview.send.error or "")

        resent = app.resend()(audience.post.id)
        assert resent.requeued is None
        plan = event_from_json(api.received[-1])
        runs = inngest.deliver(plan, api)

    assert all(run.completed for run in runs)
    arrived = Arrivals.of(sink.recipients, audience.eligible)
    assert arrived.wrong == NOBODY
    assert app.send_status()(audience.post.id).state is SendState.SENT
    when = "on_failure failing too" if through_on_failure else "back for on_failure"
    print(
        f"\ndatabase outage after the publish, Inngest ({when}), {engine.dialect.name}: "
        f"the planner failed {planner.attempts} attempts, state {state}; "
        f"one resend: {len(runs) - 1} batch runs, {len(sink.recipients)} of {AUDIENCE} emailed, "
        f"missing 0, twice 0"
    )
