"""The SMTP connection drops after k messages, k drawn over the whole audience, then the retry
the queue would make: every subscriber gets exactly one email, counted at the server."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from oolvay.adapters.inngest.events import PostPublished
from oolvay.composition_root import Container
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.errors import NothingToResend
from oolvay.domain.ids import PostId
from tests.integration.conftest import a_uow
from tests.integration.email.conftest import DroppingSink, Sink
from tests.integration.faults.conftest import (
    SEED,
    a_mocked_worker,
    an_app,
    deliveries_per_address,
    exactly_once,
    given_an_audience,
    rearm,
    smtp_to,
)
from tests.unit.adapters.inngest.mocked_runs import run

AUDIENCE = 7
BATCH = 3
TRIALS = 50
ENVIRON = {"OOLVAY_NOTIFICATIONS__BATCH_SIZE": str(BATCH)}


def drops() -> Iterator[tuple[int, int]]:
    """(k, times): after k messages the next ``times`` connections drop at once. One drop
    the mailer absorbs by reconnecting; two or more cut its batch short."""
    rng = random.Random(SEED)
    for _ in range(TRIALS):
        yield rng.randrange(AUDIENCE + 1), rng.randint(1, 3)


def states(engine: Engine, post_id: PostId) -> dict[DeliveryState, int]:
    uow = a_uow(engine)
    with uow:
        return dict(uow.deliveries.count_by_state(post_id))


def resend_until_nothing_is_left(app: Container, post_id: PostId) -> int:
    """What an editor does after a partial send: resend the failed, until nothing is left."""
    for resends in range(5):
        try:
            app.resend_failed()(post_id)
        except NothingToResend:
            return resends
    raise AssertionError("still failing after 5 resends")


def test_inline_a_dropped_connection_then_resending_emails_everyone_once(
    engine: Engine, dropping_sink: tuple[DroppingSink, Any]
) -> None:
    sink, server = dropping_sink
    app = an_app(engine, {**smtp_to(server), **ENVIRON})
    needed_a_resend = arrived = 0

    for k, times in drops():
        audience = given_an_audience(engine, size=AUDIENCE, published=False)
        rearm(sink, after=k, times=times)

        app.publish_post()(audience.post.id)
        needed_a_resend += resend_until_nothing_is_left(app, audience.post.id) > 0
        arrived += len(sink.recipients)

        trial = f"k={k}, times={times}"
        assert deliveries_per_address(sink.recipients, audience.eligible) == exactly_once(
            audience.eligible
        ), trial
        assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}, trial

    assert needed_a_resend >= TRIALS // 3  # the faults did cut sends short
    print(
        f"\nSMTP drops, inline: {TRIALS} trials, {needed_a_resend} cut short and resent; "
        f"{TRIALS * AUDIENCE} emails due, {arrived} arrived, none twice"
    )


def test_the_inngest_worker_retries_a_cut_batch_and_emails_everyone_once(
    engine: Engine, dropping_sink: tuple[DroppingSink, Any]
) -> None:
    sink, server = dropping_sink
    app = an_app(engine, {**smtp_to(server), **ENVIRON})
    worker = a_mocked_worker(app)
    retried = arrived = 0

    for k, times in drops():
        audience = given_an_audience(engine, size=AUDIENCE, published=True)
        rearm(sink, after=k, times=times)

        result = run(worker, PostPublished.create(post_id=audience.post.id))

        trial = f"k={k}, times={times}"
        assert result.completed, (trial, result.error)
        assert deliveries_per_address(sink.recipients, audience.eligible) == exactly_once(
            audience.eligible
        ), trial
        assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}, trial
        retried += sink.drops >= 2 and k < AUDIENCE
        arrived += len(sink.recipients)

    assert retried >= TRIALS // 3  # the faults did fail steps
    print(
        f"\nSMTP drops, Inngest worker: {TRIALS} trials, {retried} with a batch cut short and "
        f"its step retried; {TRIALS * AUDIENCE} emails due, {arrived} arrived, none twice"
    )


class LosingTheReply(Sink):
    """Takes message number ``at`` in full, then cuts the connection instead of saying so."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.received) == self.at + 1:
            server.transport.abort()
        return reply


@pytest.mark.parametrize("at", [0, 4, AUDIENCE - 1])
def test_smtp_own_window_a_reply_lost_after_the_server_took_the_message_repeats_that_one(
    engine: Engine, start_server: Any, at: int
) -> None:
    """SMTP cannot tell "the server has it" from "the server lost it" when the connection
    drops before its 250: the mailer sends that message again. One message per lost reply,
    never more; a receiving server can drop it by its Message-ID."""
    sink = LosingTheReply(at)
    app = an_app(engine, {**smtp_to(start_server(sink)), **ENVIRON})
    audience = given_an_audience(engine, size=AUDIENCE, published=False)

    app.publish_post()(audience.post.id)

    expected = exactly_once(audience.eligible)
    expected[f"reader{at}@example.com"] = 2
    assert deliveries_per_address(sink.recipients, audience.eligible) == expected
    assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}
