"""Inngest retries a killed batch run before the dead attempt's lease looks dead.

Inngest's first retry comes 15 s after a failure, plus up to 30 s of jitter; a lease is
dead after five missed heartbeats, 10 s at the default ``notifications.heartbeat_seconds``
of 2 but up to 300 s as configured. A retry that finds the batch still held must not end
``done`` with those recipients unsent: it asks Inngest to come back once the holder has
finished or is surely dead, and then takes the batch over."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

import sqlalchemy as sa
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.adapters.inngest.events import BatchReady
from oolvay.adapters.sqlalchemy.tables import send_leases
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId
from tests.fakes import FakeClock
from tests.integration.faults.child import RUN_ID, Doomed, send_first_batch
from tests.integration.faults.inngest_player import InngestPlayer
from tests.integration.faults.killing import Kill, KillPoint, kill_during
from tests.integration.faults.support import (
    SEED,
    Arrivals,
    an_app,
    given_an_audience,
    in_state,
    states,
)
from tests.integration.faults.trials import INNGEST_BATCH, Trial, resend_everything
from tests.integration.inngest.support import CLOUD

KILLS = 4


def kills() -> Iterator[Kill]:
    rng = random.Random(f"{SEED}:early retry")
    for _ in range(KILLS):
        after = rng.randint(1, INNGEST_BATCH.batch - 1)
        yield Kill(after=after, point=rng.choice(list(KillPoint)))


def last_heartbeat(engine: Engine, post_id: PostId) -> datetime:
    with engine.connect() as connection:
        beat = connection.scalar(
            sa.select(sa.func.max(send_leases.c.heartbeat_at)).where(
                send_leases.c.post_id == post_id
            )
        )
    assert isinstance(beat, datetime), "the killed attempt left no lease"
    return beat


def test_a_batch_retried_while_the_dead_attempt_still_holds_it_comes_back_and_takes_it_over(
    trial: Trial,
) -> None:
    mode = INNGEST_BATCH
    environ = trial.environ(mode, **CLOUD)
    app = an_app(trial.engine, environ)
    clock = FakeClock()
    app.clock.override(providers.Object(clock))
    app.job_queue.override(app.inline_queue)
    inngest = InngestPlayer(
        TestClient(create_app(app), raise_server_exceptions=False),
        retries=app.config.background_jobs.inngest.retries(),
        wait=clock.elapse,
    )
    dead_after = app.sending_policy().dead_after
    came_back = 0

    for number, kill in enumerate(kills()):
        audience = given_an_audience(trial.engine, size=mode.audience, published=True)
        post_id = audience.post.id
        app.plan_send()(post_id)
        doomed = Doomed(environ, post_id, log=str(trial.logs / f"child-{number}.log"))
        kill_during(trial.forks, send_first_batch, doomed, trial.sink, kill, total=mode.audience)
        # The retry comes a second after the dead attempt's last heartbeat: its lease looks
        # alive, however long the test itself took.
        clock.current = last_heartbeat(trial.engine, post_id) + timedelta(seconds=1)
        retried_at = clock.now()

        event = BatchReady.create(post_id=post_id, round=0, batch=0)
        retry = inngest.run(event, attempt=1, run_id=RUN_ID)

        assert retry.completed, (kill, retry.output)
        assert retry.attempts >= 2, (kill, retry.output)  # it came back, and took over
        assert clock.now() - retried_at >= dead_after, kill
        left = states(trial.engine, post_id)
        assert DeliveryState.SENDING not in left, (kill, left)
        assert left.get(DeliveryState.UNCERTAIN) == 1, (kill, left)
        uncertain = in_state(trial.engine, post_id, DeliveryState.UNCERTAIN)
        before = Arrivals.of(trial.sink.recipients, audience.eligible)
        resend_everything(app, post_id)
        after = Arrivals.of(trial.sink.recipients, audience.eligible)
        assert after.missing == [], kill
        assert after.twice == [a for a in uncertain if before.per_address.get(a)], kill
        came_back += retry.attempts - 1

    print(
        f"\nInngest retry before the dead attempt's lease looks dead, {trial.database}: "
        f"{KILLS} kills; each retry came back after {dead_after.total_seconds():.0f} s or more "
        f"and took the batch over ({came_back} come-backs in all); one resend: missing 0, "
        "duplicates only the UNCERTAIN that had arrived"
    )
