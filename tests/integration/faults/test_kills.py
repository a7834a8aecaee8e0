"""kill -9 of a sending process at random points, then what the system does next: an
inline send killed, then one resend; an Inngest batch run killed, then Inngest's retry of
the batch and one resend. Emails are counted where they arrive, at a real SMTP server.

The next process sees the dead one's leases as old at once: its clock is ahead of the real
one by more than the heartbeats that death takes (``AheadClock``), so nothing waits."""

from __future__ import annotations

import random
from collections.abc import Iterator

import attrs
import pytest
from fastapi.testclient import TestClient

from oolvay.adapters.http.app import create_app
from oolvay.adapters.inngest.events import BatchReady
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId
from tests.integration.faults.child import RUN_ID, Doomed, send_first_batch, send_inline
from tests.integration.faults.inngest_player import signed_call
from tests.integration.faults.killing import Kill, KillPoint, kill_during
from tests.integration.faults.support import (
    SEED,
    Arrivals,
    ahead_of_the_heartbeats,
    an_app,
    given_an_audience,
    states,
)
from tests.integration.faults.trials import (
    INLINE_FOUR,
    INLINE_ONE,
    INNGEST_BATCH,
    Aftermath,
    Mode,
    Trial,
    aftermath,
    resend_everything,
)
from tests.integration.inngest.support import BATCH_FN, CLOUD, invocation

KILLS = 20


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
