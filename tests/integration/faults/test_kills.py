"""kill -9 of a sending process at random points, then what the system does next: an
inline send killed, then one resend; an Inngest batch run killed, then Inngest's retry of
the batch and one resend. Emails are counted where they arrive, at a real SMTP server.

The next process sees the dead one's leases as old at once: its clock is ahead of the real
one by more than the heartbeats that death takes (``AheadClock``), so nothing waits."""

from __future__ import annotations

import random
from collections.abc import Iterator
from multiprocessing.context import ForkServerContext
from pathlib import Path

import attrs
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.adapters.inngest.events import BatchReady
from oolvay.application.ports import DispatchStatus
from oolvay.composition_root import Container
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId
from tests.integration.conftest import a_uow
from tests.integration.faults.child import RUN_ID, Doomed, send_first_batch, send_inline
from tests.integration.faults.inngest_player import signed_call
from tests.integration.faults.killing import (
    Kill,
    KillingController,
    KillingSink,
    KillPoint,
    kill_during,
    killing_server,
)
from tests.integration.faults.support import (
    SEED,
    Arrivals,
    Audience,
    ahead_of_the_heartbeats,
    an_app,
    every_delivery,
    given_an_audience,
    settings_for,
    states,
)
from tests.integration.inngest.support import BATCH_FN, CLOUD, invocation

KILLS = 20


@attrs.frozen
class Mode:
    name: str
    audience: int
    batch: int
    concurrency: int
    """Batches in flight at once, and so the most UNCERTAIN recipients (and duplicates)
    one kill can leave: one per batch in flight."""


INLINE_ONE = Mode("inline, concurrency 1", audience=12, batch=4, concurrency=1)
INLINE_FOUR = Mode("inline, concurrency 4", audience=24, batch=3, concurrency=4)
INNGEST_BATCH = Mode("Inngest batch run", audience=10, batch=10, concurrency=1)


def kills(mode: Mode, database: str) -> Iterator[Kill]:
    rng = random.Random(f"{SEED}:{mode.name}:{database}")
    for _ in range(KILLS):
        yield Kill(after=rng.randint(1, mode.audience - 1), point=rng.choice(list(KillPoint)))


@attrs.define
class Tally:
    """The counts of one mode on one database, over its kills."""

    mode: Mode
    kills: int = 0
    missing: int = 0
    duplicates: int = 0
    worst: int = 0
    """The most duplicates one kill caused."""
    uncertain: int = 0
    arrived: int = 0
    """Of the UNCERTAIN, how many had in fact reached the server."""
    each: list[str] = attrs.field(factory=list)
    """Per kill: UNCERTAIN/of them arrived."""

    def add(self, arrivals: Arrivals, left: Aftermath) -> None:
        self.kills += 1
        self.missing += len(arrivals.missing)
        self.duplicates += arrivals.duplicates
        self.worst = max(self.worst, arrivals.duplicates)
        self.uncertain += len(left.uncertain)
        self.arrived += len(left.uncertain_arrived)
        self.each.append(f"{len(left.uncertain)}/{len(left.uncertain_arrived)}")

    def check(self, kills: int) -> None:
        assert self.kills == kills
        assert self.missing == 0
        assert self.worst <= self.mode.concurrency

    def line(self, database: str) -> str:
        return (
            f"\nkill -9, {self.mode.name}, {database}: {self.kills} kills "
            f"(audience {self.mode.audience}, batches of {self.mode.batch}); "
            f"missing {self.missing}; duplicates {self.duplicates} (at most {self.worst} per "
            f"kill; bound {self.mode.concurrency}); uncertain {self.uncertain}, "
            f"{self.arrived} of them had arrived; per kill (uncertain/arrived): "
            + " ".join(self.each)
        )


@attrs.frozen
class Trial:
    """What a test shares between its kills."""

    engine: Engine
    sink: KillingSink
    smtp: KillingController
    forks: ForkServerContext
    logs: Path

    @property
    def database(self) -> str:
        return self.engine.dialect.name

    def environ(self, mode: Mode, **extra: str) -> dict[str, str]:
        url = self.engine.url.render_as_string(hide_password=False)
        settings = settings_for(smtp=self.smtp.port, batch=mode.batch, concurrency=mode.concurrency)
        return {**settings, "DATABASE_URL": url, **extra}


@pytest.fixture
def trial(engine: Engine, fork_server: ForkServerContext, tmp_path: Path) -> Iterator[Trial]:
    with killing_server() as (sink, smtp):
        yield Trial(engine, sink, smtp, fork_server, tmp_path)


@attrs.frozen
class Aftermath:
    """What one kill left: who had got the email, and who the takeover makes UNCERTAIN."""

    kill: Kill
    eligible: list[str]
    before: Arrivals
    uncertain: list[str]

    @property
    def uncertain_arrived(self) -> list[str]:
        return [a for a in self.uncertain if self.before.per_address.get(a, 0)]


def aftermath(trial: Trial, app: Container, kill: Kill, audience: Audience) -> Aftermath:
    """Who takes over the dead child's leases makes UNCERTAIN, seen in a transaction that
    is rolled back: what the next run or resend then does for real."""
    post_id, now = audience.post.id, app.clock().now()
    uow = a_uow(trial.engine)
    with uow:
        uow.deliveries.reap(post_id, liveness=app.sending_policy().liveness(now), now=now)
        found = every_delivery(uow.deliveries, post_id)
    uncertain = sorted(d.email or "" for d in found if d.state is DeliveryState.UNCERTAIN)
    before = Arrivals.of(trial.sink.recipients, audience.eligible)
    return Aftermath(kill, audience.eligible, before, uncertain)


def resend_everything(app: Container, post_id: PostId) -> None:
    """The one resend after a kill, uncertain recipients included, through the inline queue."""
    resent = app.resend()(post_id, include_uncertain=True)
    assert resent.dispatch.status is DispatchStatus.RAN, resent.dispatch
    assert resent.dispatch.result is not None
    assert resent.dispatch.result["status"] == "sent"


def settle(trial: Trial, tally: Tally, left: Aftermath, post_id: PostId) -> None:
    """Everyone got the email, and only an UNCERTAIN recipient whose message had reached
    the server got it twice; one batch in flight makes at most one UNCERTAIN."""
    after = Arrivals.of(trial.sink.recipients, left.eligible)
    context = f"{left.kill}: uncertain {left.uncertain}, twice {after.twice}"
    assert after.missing == [], context
    assert after.unexpected == [], context
    assert after.twice == left.uncertain_arrived, context
    assert len(left.uncertain) <= tally.mode.concurrency, context
    assert states(trial.engine, post_id) == {DeliveryState.SENT: len(left.eligible)}, context
    tally.add(after, left)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode", [INLINE_ONE, INLINE_FOUR], ids=["concurrency-1", "concurrency-4"])
def test_an_inline_send_killed_then_resent_once_reaches_everyone(trial: Trial, mode: Mode) -> None:
    environ = trial.environ(mode)
    app = an_app(trial.engine, environ)
    ahead_of_the_heartbeats(app)
    tally = Tally(mode)

    for number, kill in enumerate(kills(mode, trial.database)):
        audience = given_an_audience(trial.engine, size=mode.audience, published=True)
        doomed = Doomed(environ, audience.post.id, log=str(trial.logs / f"child-{number}.log"))

        kill_during(trial.forks, send_inline, doomed, trial.sink, kill, total=mode.audience)
        left = aftermath(trial, app, kill, audience)
        resend_everything(app, audience.post.id)

        settle(trial, tally, left, audience.post.id)

    tally.check(KILLS)
    print(tally.line(trial.database))


@pytest.mark.timeout(300)
def test_an_inngest_batch_run_killed_then_retried_and_resent_reaches_everyone(
    trial: Trial,
) -> None:
    mode = INNGEST_BATCH
    environ = trial.environ(mode, **CLOUD)
    app = an_app(trial.engine, environ)
    ahead_of_the_heartbeats(app)
    app.job_queue.override(app.inline_queue)
    worker = TestClient(create_app(app), raise_server_exceptions=False)
    tally = Tally(mode)

    for number, kill in enumerate(kills(mode, trial.database)):
        audience = given_an_audience(trial.engine, size=mode.audience, published=True)
        post_id = audience.post.id
        assert app.plan_send()(post_id).batches == 1
        doomed = Doomed(environ, post_id, log=str(trial.logs / f"child-{number}.log"))

        kill_during(trial.forks, send_first_batch, doomed, trial.sink, kill, total=mode.audience)
        left = aftermath(trial, app, kill, audience)
        # Inngest sees the request fail and runs the batch again: a new attempt, same run.
        event = BatchReady.create(post_id=post_id, round=0, batch=0)
        retried = signed_call(worker, invocation(event, attempt=1, run_id=RUN_ID), fn_id=BATCH_FN)
        assert retried.status_code == 200, retried.text
        assert retried.json()["uncertain"] == len(left.uncertain), retried.json()
        resend_everything(app, post_id)

        settle(trial, tally, left, post_id)

    tally.check(KILLS)
    print(tally.line(trial.database))
