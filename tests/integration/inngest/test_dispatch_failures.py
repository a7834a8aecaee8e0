"""Publishing while Inngest's event API misbehaves: real local servers, a real Sentry client."""

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from structlog.testing import capture_logs
from typer.testing import CliRunner

from oolvay.adapters.cli.app import app as cli
from oolvay.application.ports import DispatchStatus
from oolvay.domain.posts import Post
from tests.builders import a_post, a_subscriber
from tests.fakes import FakeUnitOfWork
from tests.integration.inngest.servers import MISBEHAVING, EventApi, accepting
from tests.integration.inngest.support import CLOUD, EVENT_KEY, App, an_app

BUDGET = 1.0
MARGIN = 10.0
"""The bound under test is the budget, against the SDK's own ~150 s (five attempts of 30 s);
the margin is wide so that a loaded machine never fails the test."""


def an_app_sending_to(url: str, uow: FakeUnitOfWork | None = None) -> App:
    return an_app(
        {
            **CLOUD,
            "INNGEST_BASE_URL": url,
            "OOLVAY_BACKGROUND_JOBS__INNGEST__DISPATCH_BUDGET_SECONDS": str(BUDGET),
        },
        uow=uow,
    )


def given_a_draft(app: App) -> Post:
    post = a_post()
    with app.uow:
        app.uow.posts.add(post)
        app.uow.users.add(a_subscriber(1))
        app.uow.commit()
    return post


@pytest.mark.parametrize("misbehaviour", MISBEHAVING.values(), ids=MISBEHAVING.keys())
def test_a_failed_dispatch_never_fails_or_holds_the_publish_and_can_be_sent_again(
    misbehaviour: Callable[[], AbstractContextManager[str]],
    sentry_events: list[dict[str, Any]],
) -> None:
    with misbehaviour() as url:
        app = an_app_sending_to(url)
        post = given_a_draft(app)

        with capture_logs() as logs:
            started = time.monotonic()
            result = app.container.publish_post()(post.id)
            elapsed = time.monotonic() - started

    assert elapsed < BUDGET + MARGIN
    assert result.post.is_published
    assert result.dispatch is not None
    assert result.dispatch.status is DispatchStatus.DISPATCH_FAILED
    assert app.mailer.sent == []

    [line] = [entry for entry in logs if entry["log_level"] in ("error", "critical")]
    assert line["event"] == "Failed to enqueue Inngest job"
    assert line["postId"] == str(post.id)
    assert line["eventName"] == "post.published"
    assert line["error"]

    [event] = sentry_events
    assert event["fingerprint"] == ["inngest", "dispatchPostNotification"]
    assert event["tags"]["action"] == "dispatchPostNotification"
    assert event["tags"]["postId"] == str(post.id)
    assert event["tags"]["notificationType"] == "email"
    assert event["contexts"]["inngest"]["eventId"] == result.dispatch.reference
    assert event["contexts"]["inngest"]["postId"] == str(post.id)

    [failure] = app.uow.store.failed_dispatches.values()
    assert failure.payload["id"] == result.dispatch.reference
    assert not failure.is_resolved

    with EventApi(accepting) as inngest:
        retrying = an_app_sending_to(inngest.url, uow=app.uow)
        outcome = CliRunner().invoke(
            cli, ["dispatches", "retry", str(failure.id)], obj=retrying.container
        )

    assert outcome.exit_code == 0, outcome.output
    assert inngest.received_ids == [result.dispatch.reference]
    assert inngest.paths == [f"/e/{EVENT_KEY}"]
    assert app.uow.store.failed_dispatches[failure.id].is_resolved


def test_a_working_event_api_gets_the_event_and_nothing_is_recorded(
    sentry_events: list[dict[str, Any]],
) -> None:
    with EventApi(accepting) as inngest:
        app = an_app_sending_to(inngest.url)
        post = given_a_draft(app)

        result = app.container.publish_post()(post.id)

    assert result.dispatch is not None
    assert result.dispatch.status is DispatchStatus.DISPATCHED
    [event] = inngest.received
    assert (event["name"], event["data"]) == ("post.published", {"post_id": str(post.id)})
    assert app.uow.store.failed_dispatches == {}
    assert sentry_events == []
