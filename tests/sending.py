"""The send's use cases wired on any store and mailer, for tests of the real adapters."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from oolvay.application.ports import (
    Clock,
    JobQueue,
    Mailer,
    NotificationRenderer,
    RateLimiter,
    UnitOfWork,
)
from oolvay.application.sending.batch import SendBatch
from oolvay.application.sending.circuit import MailCircuit
from oolvay.application.sending.governor import MailGovernor, MailRates
from oolvay.application.sending.heartbeat import Heartbeats
from oolvay.application.sending.plan import PlanSend
from oolvay.application.sending.policy import SendingPolicy, run_once
from oolvay.application.sending.resend import ResendNotSent
from oolvay.application.sending.run import SendPostNotificationsHandler
from oolvay.application.sending.status import GetSendStatus
from oolvay.domain.bounces import BounceThresholds
from tests.builders import a_policy
from tests.fakes import FakeClock, FakeJobQueue, FakeRenderer
from tests.fakes.accounts import FakeRateLimiter


@attrs.frozen
class Sending:
    plan: PlanSend
    batch: SendBatch
    status: GetSendStatus
    handler: SendPostNotificationsHandler
    resend: ResendNotSent
    clock: Clock


def sending(
    new_uow: Callable[[], UnitOfWork],
    mailer: Mailer,
    *,
    renderer: NotificationRenderer | None = None,
    clock: FakeClock | None = None,
    policy: SendingPolicy | None = None,
    queue: JobQueue | None = None,
    rates: MailRates | None = None,
    limiter: RateLimiter | None = None,
) -> Sending:
    """A send's use cases. The clock is fake and sleeping advances it, so a back-off costs
    no wall-clock time."""
    clock = clock or FakeClock()
    policy = policy or a_policy()

    def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)

    plan = PlanSend(new_uow, clock, policy, run_once)
    batch = SendBatch(
        new_uow=new_uow,
        mailer=mailer,
        renderer=renderer or FakeRenderer(),
        clock=clock,
        policy=policy,
        heartbeats=Heartbeats(
            new_uow, clock, interval=policy.heartbeat.total_seconds(), retry=run_once
        ),
        circuit=MailCircuit(clock),
        governor=MailGovernor(limiter or FakeRateLimiter(), rates or MailRates(), clock, sleep),
        thresholds=BounceThresholds(unknown_user=1, other=3),
        retry=run_once,
    )
    status = GetSendStatus(new_uow, clock, policy)
    handler = SendPostNotificationsHandler(
        plan=plan,
        batch=batch,
        status=status,
        policy=policy,
        clock=clock,
        sleep=sleep,
    )
    resend = ResendNotSent(new_uow, queue or FakeJobQueue(), clock, policy, run_once)
    return Sending(plan, batch, status, handler, resend, clock)
