"""The database fails the write that records one recipient's outcome, after the SMTP server
accepted the message: a failure shorter than the retries changes nothing; one that outlasts
them stops the batch, and its recipient in flight becomes UNCERTAIN (it did get the email)
while the rest of the batch is taken over and sent once."""

from __future__ import annotations

import random
from collections.abc import Iterator

import attrs
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.adapters.inngest.events import PostPublished
from oolvay.application.ports import DispatchStatus
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.errors import NothingToResend
from oolvay.domain.sends import SendState
from tests.integration.email.conftest import Sink, StartServer
from tests.integration.faults.database import RecordFaults
from tests.integration.faults.inngest_player import InngestPlayer
from tests.integration.faults.support import (
    NOBODY,
    RETRY_ATTEMPTS,
    SEED,
    Arrivals,
    an_app,
    given_an_audience,
    in_state,
    on_fake_time,
    settings_for,
    smtp_to,
    states,
)
from tests.integration.inngest.servers import EventApi, accepting
from tests.integration.inngest.support import CLOUD

AUDIENCE = 7
BATCH = 3
TRIALS = 20
ENVIRON = settings_for(batch=BATCH, concurrency=1)
"""One batch at a time: the records come in reader order, so the n-th is reader n's."""


@attrs.frozen
class Fault:
    at: int
    """Which record fails (0-based): reader ``at``'s."""
    failures: int
    """How many record statements fail in a row from there (a retry's count too)."""

    @property
    def outlasts_the_retries(self) -> bool:
        return self.failures >= RETRY_ATTEMPTS

    @property
    def reader(self) -> str:
        return f"reader{self.at}@example.com"

    @property
    def ends_its_batch(self) -> bool:
        """Nobody of the batch is left after reader ``at``."""
        return self.at % BATCH == BATCH - 1 or self.at == AUDIENCE - 1


def faults() -> Iterator[Fault]:
    rng = random.Random(SEED)
    for _ in range(TRIALS):
        yield Fault(at=rng.randrange(AUDIENCE), failures=rng.randint(0, RETRY_ATTEMPTS + 1))


def test_inline_a_record_that_fails_for_a_while_sends_nothing_twice(
    engine: Engine, start_server: StartServer, record_faults: RecordFaults
) -> None:
    sink = Sink()
    app = an_app(engine, {**smtp_to(start_server(sink)), **ENVIRON})
    clock = on_fake_time(app)
    windows = duplicates = 0

    for fault in faults():
        audience = given_an_audience(engine, size=AUDIENCE, published=False)
        sink.received.clear()
        record_faults.arm(at=fault.at, count=fault.failures)

        published = app.publish_post()(audience.post.id)
        assert published.dispatch is not None

        assert record_faults.failed >= min(fault.failures, RETRY_ATTEMPTS), fault
        if not fault.outlasts_the_retries:
            assert published.dispatch.status is DispatchStatus.RAN, fault
            got = Arrivals.of(sink.recipients, audience.eligible)
            assert got.wrong == NOBODY, fault
            assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}, fault
            continue
        # The window: the batch stopped with the message out and its outcome unknown to the
        # database. Once its lease is old, a resend sends the rest of the batch, not that
        # one: it is UNCERTAIN, and the status says so.
        windows += 1
        assert published.dispatch.status is DispatchStatus.FAILED, fault
        clock.advance(seconds=app.sending_policy().dead_after.total_seconds() + 1)
        if fault.ends_its_batch:
            with pytest.raises(NothingToResend, match="1 uncertain"):
                app.resend()(audience.post.id)
        else:
            app.resend()(audience.post.id)
        got = Arrivals.of(sink.recipients, audience.eligible)
        assert got.wrong == NOBODY, fault
        assert in_state(engine, audience.post.id, DeliveryState.UNCERTAIN) == [fault.reader]
        assert app.send_status()(audience.post.id).state is SendState.SENT_WITH_FAILURES
        # Asked to include the uncertain, a resend sends that one again: here, twice.
        app.resend()(audience.post.id, include_uncertain=True)
        again = Arrivals.of(sink.recipients, audience.eligible)
        assert again.twice == [fault.reader], fault
        duplicates += again.duplicates
        assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}, fault

    assert 0 < windows < TRIALS
    print(
        f"\nrecord faults, inline, {engine.dialect.name}: {TRIALS} trials, "
        f"{TRIALS - windows} recovered by the retried write with no duplicate; {windows} "
        f"outlasted {RETRY_ATTEMPTS} attempts: one UNCERTAIN each, the rest resent once; "
        f"resending the uncertain too: {duplicates} duplicates"
    )


def test_inngest_a_record_that_fails_for_a_while_sends_nothing_twice(
    engine: Engine, start_server: StartServer, record_faults: RecordFaults
) -> None:
    sink = Sink()
    windows = 0

    with EventApi(accepting) as api:
        app = an_app(
            engine, {**CLOUD, "INNGEST_BASE_URL": api.url, **smtp_to(start_server(sink)), **ENVIRON}
        )
        clock = on_fake_time(app)
        inngest = InngestPlayer(
            TestClient(create_app(app), raise_server_exceptions=False),
            retries=app.config.background_jobs.inngest.retries(),
            wait=clock.elapse,
        )
        for fault in faults():
            audience = given_an_audience(engine, size=AUDIENCE, published=True)
            sink.received.clear()
            record_faults.arm(at=fault.at, count=fault.failures)

            runs = inngest.deliver(PostPublished.create(post_id=audience.post.id), api)

            assert all(run.completed for run in runs), fault
            got = Arrivals.of(sink.recipients, audience.eligible)
            assert got.wrong == NOBODY, fault
            uncertain = in_state(engine, audience.post.id, DeliveryState.UNCERTAIN)
            if not fault.outlasts_the_retries:
                assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}, fault
                continue
            # Inngest retried the batch 15 s or more later (its first backoff), when the
            # failed attempt's lease had missed its heartbeats: the retry took it over.
            windows += 1
            assert [run.attempts for run in runs[1:]].count(2) >= 1, fault
            assert uncertain == [fault.reader], fault

    assert 0 < windows < TRIALS
    print(
        f"\nrecord faults, Inngest batch runs, {engine.dialect.name}: {TRIALS} trials, "
        f"{TRIALS - windows} recovered by the retried write; {windows} outlasted "
        f"{RETRY_ATTEMPTS} attempts: the batch run's retry sent the rest once, one UNCERTAIN "
        "each (it had arrived); no duplicate"
    )
