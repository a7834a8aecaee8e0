"""The SMTP connection drops after k messages (k drawn over the whole audience), then what
the queue does about it: the inline send waits for the server and tries the batch again
(and the editor resends when it gave up); Inngest retries the batch run. Every subscriber
gets exactly one email, counted at the server. Then SMTP's own window: a reply lost."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.adapters.inngest.events import PostPublished
from oolvay.composition_root import Container
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.errors import NothingToResend
from oolvay.domain.ids import PostId
from tests.integration.email.conftest import DroppingSink, LoopbackController, Sink, StartServer
from tests.integration.faults.inngest_player import InngestPlayer
from tests.integration.faults.support import (
    NOBODY,
    SEED,
    Arrivals,
    an_app,
    given_an_audience,
    on_fake_time,
    rearm,
    settings_for,
    smtp_to,
    states,
)
from tests.integration.inngest.servers import EventApi, accepting
from tests.integration.inngest.support import CLOUD

AUDIENCE = 7
BATCH = 3
TRIALS = 20
INLINE_WAIT = 2
"""Seconds an inline send waits for the server: two failed connections in a row end it."""
ENVIRON = {
    **settings_for(batch=BATCH),
    "OOLVAY_NOTIFICATIONS__INLINE_WAIT_SECONDS": str(INLINE_WAIT),
}


def drops() -> Iterator[tuple[int, int]]:
    """(k, times): after k messages the next ``times`` connections drop at once. One drop
    the mailer absorbs by reconnecting; two cut its batch short (the server is taken as
    unavailable); more outlast an inline send's wait."""
    rng = random.Random(SEED)
    for _ in range(TRIALS):
        yield rng.randrange(AUDIENCE + 1), rng.randint(1, 6)


def resend_until_nothing_is_left(app: Container, post_id: PostId) -> int:
    """What an editor does after a send that gave up: resend, until nothing is left."""
    for resends in range(5):
        try:
            app.resend()(post_id)
        except NothingToResend:
            return resends
    raise AssertionError("still failing after 5 resends")


def test_inline_a_dropped_connection_is_waited_for_or_resent_and_everyone_gets_one(
    engine: Engine, dropping_sink: tuple[DroppingSink, LoopbackController]
) -> None:
    sink, server = dropping_sink
    app = an_app(engine, {**smtp_to(server), **ENVIRON})
    on_fake_time(app)
    gave_up = arrived = 0

    for k, times in drops():
        app.mail_circuit.reset()  # what the last trial's server did is not this one's
        audience = given_an_audience(engine, size=AUDIENCE, published=False)
        rearm(sink, after=k, times=times)

        app.publish_post()(audience.post.id)
        gave_up += resend_until_nothing_is_left(app, audience.post.id) > 0
        arrived += len(sink.recipients)

        trial = f"k={k}, times={times}"
        got = Arrivals.of(sink.recipients, audience.eligible)
        assert got.wrong == NOBODY, trial
        assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}, trial

    assert gave_up >= TRIALS // 5  # some drops did outlast the inline wait
    print(
        f"\nSMTP drops, inline, {engine.dialect.name}: {TRIALS} trials, {gave_up} outlasted "
        f"the send's wait and were resent; {TRIALS * AUDIENCE} emails due, {arrived} arrived, "
        "none twice, none missing"
    )


def test_inngest_retries_a_batch_cut_short_and_everyone_gets_one(
    engine: Engine, dropping_sink: tuple[DroppingSink, LoopbackController]
) -> None:
    sink, server = dropping_sink
    retried = arrived = 0

    with EventApi(accepting) as api:
        for k, times in drops():
            app = an_app(
                engine, {**CLOUD, "INNGEST_BASE_URL": api.url, **smtp_to(server), **ENVIRON}
            )
            clock = on_fake_time(app)
            inngest = InngestPlayer(
                TestClient(create_app(app), raise_server_exceptions=False),
                retries=app.config.background_jobs.inngest.retries(),
                wait=clock.elapse,
            )
            audience = given_an_audience(engine, size=AUDIENCE, published=True)
            rearm(sink, after=k, times=times)

            runs = inngest.deliver(PostPublished.create(post_id=audience.post.id), api)

            trial = f"k={k}, times={times}"
            assert all(run.completed for run in runs), (trial, [r.output for r in runs])
            retried += sum(run.attempts > 1 for run in runs)
            arrived += len(sink.recipients)
            got = Arrivals.of(sink.recipients, audience.eligible)
            assert got.wrong == NOBODY, trial
            assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}, trial

    assert retried >= TRIALS // 3  # the faults did fail batch runs
    print(
        f"\nSMTP drops, Inngest batch runs, {engine.dialect.name}: {TRIALS} trials, {retried} "
        f"batch runs retried; {TRIALS * AUDIENCE} emails due, {arrived} arrived, none twice, "
        "none missing"
    )


class LosingTheReply(Sink):
    """Takes message number ``at`` in full, then cuts the connection instead of saying so."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at
        self.lost: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.received) == self.at + 1:
            self.lost = list(envelope.rcpt_tos)
            server.transport.abort()
        return reply


@pytest.mark.parametrize("at", [0, 4, AUDIENCE - 1])
def test_smtp_own_window_a_reply_lost_after_the_server_took_the_message_repeats_that_one(
    engine: Engine, start_server: StartServer, at: int
) -> None:
    """SMTP cannot tell "the server has it" from "the server lost it" when the connection
    drops before its 250: the mailer sends that message again. One message per lost reply,
    never more; a receiving server can drop it by its Message-ID."""
    sink = LosingTheReply(at)
    app = an_app(engine, {**smtp_to(start_server(sink)), **ENVIRON})
    audience = given_an_audience(engine, size=AUDIENCE, published=False)

    app.publish_post()(audience.post.id)

    got = Arrivals.of(sink.recipients, audience.eligible)
    assert (got.missing, got.unexpected) == ([], [])
    assert got.twice == sink.lost
    assert got.duplicates == 1
    assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}
    print(f"\nSMTP reply lost after message {at + 1}, {engine.dialect.name}: {sink.lost} twice")
