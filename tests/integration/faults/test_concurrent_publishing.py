"""The same post published twice, or by many requests at once, and sent by several runs at
once: each subscriber gets one email, and Inngest gets one event."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from oolvay.domain.deliveries import DeliveryState
from tests.integration.conftest import a_uow
from tests.integration.email.conftest import Sink
from tests.integration.faults.conftest import (
    Editor,
    an_app,
    deliveries_per_address,
    exactly_once,
    given_an_audience,
    smtp_to,
)
from tests.integration.inngest.servers import EventApi, accepting
from tests.integration.inngest.support import CLOUD

AUDIENCE = 20
BATCH = 3
AT_ONCE = 8
ENVIRON = {"OOLVAY_NOTIFICATIONS__BATCH_SIZE": str(BATCH)}

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


def test_publishing_twice_sends_once(engine: Engine, start_server: Any) -> None:
    sink = Sink()
    app = an_app(engine, {**smtp_to(start_server(sink)), **ENVIRON})
    audience = given_an_audience(engine, size=AUDIENCE, published=False).eligible
    editor = Editor.of(app)
    post_id = editor.draft()

    first, second = editor.publish(post_id), editor.publish(post_id)

    assert (first.status_code, second.status_code) == (200, 409)
    assert deliveries_per_address(sink.recipients, audience) == exactly_once(audience)


def test_publishing_from_many_requests_at_once_sends_once(
    engine: Engine, start_server: Any
) -> None:
    sink = Sink()
    app = an_app(engine, {**smtp_to(start_server(sink)), **ENVIRON})
    audience = given_an_audience(engine, size=AUDIENCE, published=False).eligible
    editor = Editor.of(app)
    post_id = editor.draft()

    responses = all_at_once(AT_ONCE, lambda: editor.publish(post_id))

    assert sorted(response.status_code for response in responses) == [200] + [409] * (AT_ONCE - 1)
    assert deliveries_per_address(sink.recipients, audience) == exactly_once(audience)


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
    engine: Engine, start_server: Any
) -> None:
    """Two workers on one event, or a resend while the job runs: the claims keep them
    from sending to the same person."""
    sink = Sink()
    app = an_app(engine, {**smtp_to(start_server(sink)), **ENVIRON})
    audience = given_an_audience(engine, size=AUDIENCE, published=True)

    counts = all_at_once(
        AT_ONCE,
        lambda: app.send_post_notifications().run(
            audience.post.id, claimant=f"run:{threading.get_ident()}"
        ),
    )

    assert deliveries_per_address(sink.recipients, audience.eligible) == exactly_once(
        audience.eligible
    )
    assert sum(count.sent for count in counts) == AUDIENCE
    uow = a_uow(engine)
    with uow:
        assert uow.deliveries.count_by_state(audience.post.id) == {DeliveryState.SENT: AUDIENCE}
