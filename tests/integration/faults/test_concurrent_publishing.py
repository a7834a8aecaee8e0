"""The same post published twice, or by many requests at once, and sent by several runs at
once: each subscriber gets one email, and Inngest gets one event."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sqlalchemy.engine import Engine

from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.sends import SendState
from tests.integration.email.conftest import Sink, StartServer
from tests.integration.faults.support import (
    NOBODY,
    Arrivals,
    Editor,
    an_app,
    given_an_audience,
    settings_for,
    smtp_to,
    states,
)
from tests.integration.inngest.servers import EventApi, accepting
from tests.integration.inngest.support import CLOUD

AUDIENCE = 20
BATCH = 3
AT_ONCE = 8
ENVIRON = settings_for(batch=BATCH)

T = TypeVar("T")


def all_at_once(count: int, action: Callable[[], T]) -> list[T]:
    """``action`` in ``count`` threads released together."""
    start = threading.Barrier(count)

    def together() -> T:
        start.wait(timeout=10)
        return action()

    with ThreadPoolExecutor(count) as threads:
        futures = [threads.submit(together) for _ in range(count)]
        return [future.result(timeout=60) for future in futures]


def test_publishing_twice_sends_once(engine: Engine, start_server: StartServer) -> None:
    sink = Sink()
    app = an_app(engine, {**smtp_to(start_server(sink)), **ENVIRON})
    audience = given_an_audience(engine, size=AUDIENCE, published=False).eligible
    editor = Editor.of(app)
    post_id = editor.draft()

    first, second = editor.publish(post_id), editor.publish(post_id)

    assert (first.status_code, second.status_code) == (200, 409)
    assert first.json()["send"]["state"] == "sent"
    assert Arrivals.of(sink.recipients, audience).wrong == NOBODY


def test_publishing_from_many_requests_at_once_sends_once(
    engine: Engine, start_server: StartServer
) -> None:
    sink = Sink()
    app = an_app(engine, {**smtp_to(start_server(sink)), **ENVIRON})
    audience = given_an_audience(engine, size=AUDIENCE, published=False).eligible
    editor = Editor.of(app)
    post_id = editor.draft()

    responses = all_at_once(AT_ONCE, lambda: editor.publish(post_id))

    assert sorted(response.status_code for response in responses) == [200] + [409] * (AT_ONCE - 1)
    assert Arrivals.of(sink.recipients, audience).wrong == NOBODY


def test_publishing_from_many_requests_at_once_sends_one_event(engine: Engine) -> None:
    with EventApi(accepting) as inngest:
        app = an_app(engine, {**CLOUD, "INNGEST_BASE_URL": inngest.url})
        editor = Editor.of(app)
        post_id = editor.draft()

        responses = all_at_once(AT_ONCE, lambda: editor.publish(post_id))

    assert sorted(response.status_code for response in responses) == [200] + [409] * (AT_ONCE - 1)
    [event] = inngest.received
    assert (event["name"], event["data"]) == ("post.published", {"post_id": post_id})


def test_several_send_runs_of_one_post_at_once_email_each_subscriber_once(
    engine: Engine, start_server: StartServer
) -> None:
    """Two workers on one event, or the CLI's send while the job runs: one plans, the
    others find it planned, and the leases keep them from sending to the same person."""
    sink = Sink()
    app = an_app(engine, {**smtp_to(start_server(sink)), **ENVIRON})
    audience = given_an_audience(engine, size=AUDIENCE, published=True)
    handler = app.send_post_notifications()

    all_at_once(
        AT_ONCE,
        lambda: handler.run(audience.post.id, holder=f"run:{threading.get_ident()}"),
    )

    assert Arrivals.of(sink.recipients, audience.eligible).wrong == NOBODY
    assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}
    assert app.send_status()(audience.post.id).state is SendState.SENT
