from __future__ import annotations

from typing import Any

import attrs
import pytest

from oolvay.application.jobs import SendPostNotifications
from oolvay.application.publish_post import PublishPost
from oolvay.application.sending.batch import SendBatch
from oolvay.application.sending.circuit import MailCircuit
from oolvay.application.sending.governor import MailGovernor, MailRates
from oolvay.application.sending.heartbeat import Heartbeats
from oolvay.application.sending.plan import PlanSend
from oolvay.application.sending.policy import SendingPolicy, run_once
from oolvay.application.sending.resend import CancelSend, ResendNotSent
from oolvay.application.sending.run import SendPostNotificationsHandler
from oolvay.application.sending.status import GetSendStatus, SendOverview
from oolvay.domain.bounces import BounceThresholds
from oolvay.domain.ids import PostId
from oolvay.domain.posts import Post
from oolvay.domain.users import User
from tests.builders import a_policy
from tests.fakes import FakeClock, FakeJobQueue, FakeMailer, FakeRenderer, FakeUnitOfWork
from tests.fakes.accounts import FakeRateLimiter


@attrs.define
class World:
    """The application wired to fakes. Its sleep advances the fake clock."""

    uow: FakeUnitOfWork
    mailer: FakeMailer
    clock: FakeClock
    queue: FakeJobQueue
    policy: SendingPolicy
    heartbeats: Heartbeats
    circuit: MailCircuit
    governor: MailGovernor | None = None
    limiter: FakeRateLimiter = attrs.Factory(FakeRateLimiter)
    slept: list[float] = attrs.Factory(list)

    def __attrs_post_init__(self) -> None:
        self.govern(MailRates())

    def govern(self, rates: MailRates) -> MailGovernor:
        """Send at these rates (the shared limit is the fake limiter)."""
        self.governor = MailGovernor(self.limiter, rates, self.clock, self.sleep)
        return self.governor

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds=seconds)

    def new_uow(self) -> FakeUnitOfWork:
        return self.uow

    @property
    def plan(self) -> PlanSend:
        return PlanSend(self.new_uow, self.clock, self.policy, run_once)

    @property
    def batch(self) -> SendBatch:
        return SendBatch(
            new_uow=self.new_uow,
            mailer=self.mailer,
            renderer=FakeRenderer(),
            clock=self.clock,
            policy=self.policy,
            heartbeats=self.heartbeats,
            circuit=self.circuit,
            governor=self.governor or self.govern(MailRates()),
            thresholds=BounceThresholds(unknown_user=1, other=3),
            retry=run_once,
        )

    @property
    def status(self) -> GetSendStatus:
        return GetSendStatus(self.new_uow, self.clock, self.policy)

    @property
    def send(self) -> SendPostNotificationsHandler:
        return SendPostNotificationsHandler(
            plan=self.plan,
            batch=self.batch,
            status=self.status,
            policy=self.policy,
            clock=self.clock,
            sleep=self.sleep,
        )

    @property
    def publish(self) -> PublishPost:
        return PublishPost(uow=self.uow, queue=self.queue, clock=self.clock)

    @property
    def resend(self) -> ResendNotSent:
        return ResendNotSent(self.new_uow, self.queue, self.clock, self.policy, run_once)

    @property
    def cancel(self) -> CancelSend:
        return CancelSend(self.new_uow, self.clock, run_once)

    def given(self, *things: Post | User) -> None:
        with self.uow:
            for thing in things:
                if isinstance(thing, Post):
                    self.uow.posts.add(thing)
                else:
                    self.uow.users.add(thing)
            self.uow.commit()

    def published(self, post: Post, *readers: User) -> PostId:
        """``post`` with ``readers``, published (its send created, nothing sent yet)."""
        self.given(post, *readers)
        self.publish(post.id)
        self.queue.enqueued.clear()
        return post.id

    def overview(self, post_id: PostId) -> SendOverview:
        return self.status(post_id)


@pytest.fixture
def world() -> World:
    return a_world()


def a_world(**policy: Any) -> World:
    """The application on fakes; ``policy`` overrides the test sending policy."""
    clock = FakeClock()
    uow = FakeUnitOfWork()
    w = World(
        uow=uow,
        mailer=FakeMailer(),
        clock=clock,
        queue=FakeJobQueue(),
        policy=a_policy(**policy),
        heartbeats=Heartbeats(lambda: uow, clock, interval=3600, retry=run_once),
        circuit=MailCircuit(clock),
    )
    w.queue.handlers[SendPostNotifications] = lambda job: w.send(job)
    return w
