from __future__ import annotations

import attrs
import pytest

from oolvay.application.jobs import SendPostNotifications
from oolvay.application.publish_post import PublishPost
from oolvay.application.send_post_notifications import SendPostNotificationsHandler
from oolvay.domain.posts import Post
from oolvay.domain.users import User
from tests.fakes import FakeClock, FakeJobQueue, FakeMailer, FakeRenderer, FakeUnitOfWork


@attrs.define
class World:
    """The application wired to fakes."""

    uow: FakeUnitOfWork
    mailer: FakeMailer
    clock: FakeClock
    queue: FakeJobQueue
    batch_size: int

    @property
    def send(self) -> SendPostNotificationsHandler:
        return SendPostNotificationsHandler(
            uow=self.uow,
            mailer=self.mailer,
            renderer=FakeRenderer(),
            clock=self.clock,
            batch_size=self.batch_size,
        )

    @property
    def publish(self) -> PublishPost:
        return PublishPost(uow=self.uow, queue=self.queue, clock=self.clock)

    def given(self, *things: Post | User) -> None:
        with self.uow:
            for thing in things:
                if isinstance(thing, Post):
                    self.uow.posts.add(thing)
                else:
                    self.uow.users.add(thing)
            self.uow.commit()


@pytest.fixture
def world() -> World:
    w = World(
        uow=FakeUnitOfWork(),
        mailer=FakeMailer(),
        clock=FakeClock(),
        queue=FakeJobQueue(),
        batch_size=3,
    )
    w.queue.handlers[SendPostNotifications] = lambda job: w.send(job)
    return w
