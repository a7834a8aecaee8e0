"""Inngest retries a killed batch run before the dead attempt's lease looks dead.

Inngest's first retry comes 15 s after a failure, plus up to 30 s of jitter; a lease is
dead after five missed heartbeats, 10 s at the default ``notifications.heartbeat_seconds``
of 2 but up to 300 s as configured. A retry that finds the batch still held must not end
``done`` with those recipients unsent: it asks Inngest to come back once the holder has
finished or is surely dead, and then takes the batch over."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

from dependency_injector import providers
from fastapi.testclient import TestClient

from oolvay.adapters.http.app import create_app
from oolvay.adapters.inngest.events import BatchReady
from oolvay.domain.deliveries import DeliveryState
from tests.integration.faults.child import RUN_ID, Doomed, send_first_batch
from tests.integration.faults.inngest_player import InngestPlayer
from tests.integration.faults.killing import Kill, KillPoint, kill_during
from tests.integration.faults.support import (
    SEED,
    AheadClock,
    Arrivals,
    an_app,
    given_an_audience,
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


def test_a_batch_retried_while_the_dead_attempt_still_holds_it_comes_back_and_takes_it_over(
    trial: Trial,
) -> None:
    mode = INNGEST_BATCH
    environ = trial.environ(mode, **CLOUD)
    app = an_app(trial.engine, environ)
    clock = AheadClock(timedelta(0))  # the real time: the dead attempt's lease looks alive
    app.clock.override(providers.Object(clock))
    app.job_queue.override(app.inline_queue)

    def wait(delay: timedelta) -> None:
        clock.ahead += delay

    inngest = InngestPlayer(
        TestClient(create_app(app), raise_server_exceptions=False),
        retries=app.config.background_jobs.inngest.retries(),
        wait=wait,
    )
    came_back = 0

    for number, kill in enumerate(kills()):
        audience = given_an_audience(trial.engine, size=mode.audience, published=True)
        post_id = audience.post.id
        app.plan_send()(post_id)
        doomed = Doomed(environ, post_id, log=str(trial.logs / f"child-{number}.log"))
        clock.ahead = timedelta(0)
        kill_during(trial.forks, send_first_batch, doomed, trial.sink, kill, total=mode.audience)

        event = BatchReady.create(post_id=post_id, round=0, batch=0)
        retry = inngest.run(event, attempt=1, run_id=RUN_ID)

        assert retry.completed, (kill, retry.output)
        left = states(trial.engine, post_id)
        assert DeliveryState.SENDING not in left, (kill, left)
        assert left.get(DeliveryState.UNCERTAIN) == 1, (kill, left)
        assert clock.ahead >= app.sending_policy().dead_after, kill  # it did wait
        came_back += retry.attempts - 1
        before = Arrivals.of(trial.sink.recipients, audience.eligible)
        resend_everything(app, post_id)
        after = Arrivals.of(trial.sink.recipients, audience.eligible)
        assert after.missing == [], kill
        assert after.duplicates <= 1, kill
        assert after.duplicates == 0 or after.twice[0] in before.per_address, kill

    print(
        f"\nInngest retry before the dead attempt's lease looks dead, {trial.database}: "
        f"{KILLS} kills; the retry came back {came_back} times after the lease's death "
        "and took the batch over; one resend: missing 0"
    )
