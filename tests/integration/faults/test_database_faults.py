"""The database fails while a batch's outcomes are recorded, after the SMTP server accepted
its emails: the retried write still yields exactly one email per subscriber. What is left
is one window, measured here: a failure that outlasts the retries."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import attrs
from dependency_injector import providers
from sqlalchemy.engine import Engine

from oolvay.adapters.inngest.events import PostPublished
from oolvay.application.ports import DispatchStatus
from oolvay.domain.deliveries import DeliveryState
from tests.fakes import FakeClock
from tests.integration.conftest import a_uow
from tests.integration.email.conftest import Sink
from tests.integration.faults.conftest import (
    RETRY_ATTEMPTS,
    SEED,
    RecordFaults,
    a_mocked_worker,
    an_app,
    deliveries_per_address,
    exactly_once,
    given_an_audience,
    smtp_to,
)
from tests.unit.adapters.inngest.mocked_runs import run

AUDIENCE = 7
BATCH = 3
BATCHES = 3
TRIALS = 30
ENVIRON = {"OOLVAY_NOTIFICATIONS__BATCH_SIZE": str(BATCH)}


@attrs.frozen
class Fault:
    batch: int
    """Which batch's record fails (0-based)."""
    failures: int
    """How many record statements fail in a row, from that batch's first."""

    @property
    def outlasts_the_retries(self) -> bool:
        return self.failures >= RETRY_ATTEMPTS

    def recipients(self) -> list[str]:
        """The failed batch's: readers are emailed in id order, ``BATCH`` at a time."""
        first = self.batch * BATCH
        return [f"reader{n}@example.com" for n in range(first, min(first + BATCH, AUDIENCE))]


def faults() -> Iterator[Fault]:
    rng = random.Random(SEED)
    for _ in range(TRIALS):
        yield Fault(batch=rng.randrange(BATCHES), failures=rng.randint(0, RETRY_ATTEMPTS + 1))


def states(engine: Engine, post_id: Any) -> dict[DeliveryState, int]:
    uow = a_uow(engine)
    with uow:
        return dict(uow.deliveries.count_by_state(post_id))


def test_the_inngest_worker_a_record_that_fails_for_a_while_sends_nothing_twice(
    engine: Engine, start_server: Any, record_faults: RecordFaults
) -> None:
    sink = Sink()
    app = an_app(engine, {**smtp_to(start_server(sink)), **ENVIRON})
    worker = a_mocked_worker(app)
    windows = duplicates = 0

    for fault in faults():
        audience = given_an_audience(engine, size=AUDIENCE, published=True)
        sink.received.clear()
        record_faults.arm(at=fault.batch, count=fault.failures)

        result = run(worker, PostPublished.create(post_id=audience.post.id))

        assert result.completed, (fault, result.error)
        assert record_faults.failed == fault.failures, fault
        expected = exactly_once(audience.eligible)
        if fault.outlasts_the_retries:
            # The window: the record gave up, the step failed, and its retry (the same run,
            # the same claimant) took back the PENDING batch and sent it again.
            windows += 1
            for address in fault.recipients():
                expected[address] = 2
                duplicates += 1
        assert deliveries_per_address(sink.recipients, audience.eligible) == expected, fault
        assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}, fault

    trials = list(faults())
    assert windows == sum(f.outlasts_the_retries for f in trials)
    assert 0 < windows < TRIALS
    print(
        f"\nrecord faults, Inngest worker: {TRIALS} trials, {TRIALS - windows} recovered by "
        f"the retried write with no duplicate; {windows} outlasted {RETRY_ATTEMPTS} attempts "
        f"and re-sent their batch ({duplicates} duplicates)"
    )


def test_inline_a_record_that_fails_for_a_while_sends_nothing_twice(
    engine: Engine, start_server: Any, record_faults: RecordFaults
) -> None:
    sink = Sink()
    app = an_app(engine, {**smtp_to(start_server(sink)), **ENVIRON})
    clock = FakeClock()
    app.clock.override(providers.Object(clock))
    windows = 0

    for fault in faults():
        audience = given_an_audience(engine, size=AUDIENCE, published=False)
        sink.received.clear()
        record_faults.arm(at=fault.batch, count=fault.failures)

        published = app.publish_post()(audience.post.id)
        assert published.dispatch is not None
        if published.dispatch.status is DispatchStatus.FAILED:
            app.resend_failed()(audience.post.id)  # what an editor does next

        assert deliveries_per_address(sink.recipients, audience.eligible) == exactly_once(
            audience.eligible
        ), fault
        if not fault.outlasts_the_retries:
            assert published.dispatch.status is DispatchStatus.COMPLETED, fault
            assert states(engine, audience.post.id) == {DeliveryState.SENT: AUDIENCE}, fault
            continue
        # The window, inline: the job failed with its batch still PENDING under its own
        # claim. A resend within the claim lease leaves those alone (they did get the email);
        # once the lease has run out, a resend takes them over and sends them again.
        windows += 1
        assert published.dispatch.status is DispatchStatus.FAILED, fault
        pending = len(fault.recipients())
        assert states(engine, audience.post.id) == {
            DeliveryState.SENT: AUDIENCE - pending,
            DeliveryState.PENDING: pending,
        }, fault
        clock.advance(minutes=16)
        app.resend_failed()(audience.post.id)
        expected = exactly_once(audience.eligible) | dict.fromkeys(fault.recipients(), 2)
        assert deliveries_per_address(sink.recipients, audience.eligible) == expected, fault

    assert 0 < windows < TRIALS
