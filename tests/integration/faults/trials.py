"""What the kill trials share: the modes, the trial's parts, and what a kill left."""

from __future__ import annotations

from multiprocessing.context import ForkServerContext
from pathlib import Path

import attrs
from sqlalchemy.engine import Engine

from oolvay.application.ports import DispatchStatus
from oolvay.composition_root import Container
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId
from oolvay.domain.sends import SendState
from tests.integration.conftest import a_uow
from tests.integration.faults.killing import Kill, KillingController, KillingSink
from tests.integration.faults.support import Arrivals, Audience, every_delivery, settings_for


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
    """Whom taking over the dead child's leases makes UNCERTAIN, seen in a transaction
    that is rolled back: what the next run or resend then does for real. Meanwhile the
    status must not call the send over: the dead child's recipients lack an outcome."""
    post_id, now = audience.post.id, app.clock().now()
    overview = app.send_status()(post_id)
    assert overview.state is SendState.SENDING, (kill, overview.state, overview.progress)
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
