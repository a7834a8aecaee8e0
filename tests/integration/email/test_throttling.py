"""A mail server that throttles, for real: the send slows down, waits, and reaches everyone
once; one that keeps refusing ends the send failed, retriable, with its reason."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.sends import Send, SendState
from oolvay.domain.users import User
from tests.builders import T0, a_policy, a_post, a_subscriber
from tests.fakes import FakeUnitOfWork
from tests.integration.email.conftest import Sink, StartServer, plain_mailer
from tests.sending import sending


class ThrottlingSink(Sink):
    """Answers every ``every``-th RCPT with a 421 asking to wait, once per address (or
    always, with ``forever``)."""

    def __init__(self, *, every: int, forever: bool = False) -> None:
        super().__init__()
        self.every, self.forever = every, forever
        self.asked = 0
        self.throttled: list[str] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        self.asked += 1
        if self.forever or (self.asked % self.every == 0 and address not in self.throttled):
            self.throttled.append(address)
            return "421 4.7.0 too many messages, try again in 20 seconds"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"


def published_to(uow: FakeUnitOfWork, users: list[User]) -> Any:
    post = a_post()
    post.publish(T0)
    with uow:
        uow.posts.add(post)
        uow.sends.add(Send.new(post.id, now=T0))
        for user in users:
            uow.users.add(user)
        uow.commit()
    return post.id


def test_a_server_throttling_every_tenth_message_still_gets_each_one_once(
    start_server: StartServer,
) -> None:
    sink = ThrottlingSink(every=10)
    uow = FakeUnitOfWork()
    readers = [a_subscriber(n) for n in range(40)]
    post_id = published_to(uow, readers)
    send = sending(
        lambda: uow,
        plain_mailer(start_server(sink)),
        policy=a_policy(batch_size=10, concurrency=2, inline_wait=timedelta(minutes=10)),
    )

    overview = send.handler.run(post_id, holder="test")

    assert overview.state is SendState.SENT
    assert Counter(sink.recipients) == Counter(reader.email for reader in readers)
    assert len(sink.throttled) >= 3
    # The send waited at least as long as the server asked, each time it was throttled.
    assert send.clock.now() - T0 >= timedelta(seconds=20)


def test_a_server_that_keeps_throttling_ends_the_send_failed_retriable_with_its_reason(
    start_server: StartServer,
) -> None:
    sink = ThrottlingSink(every=1, forever=True)
    uow = FakeUnitOfWork()
    post_id = published_to(uow, [a_subscriber(n) for n in range(5)])
    send = sending(
        lambda: uow,
        plain_mailer(start_server(sink)),
        policy=a_policy(batch_size=10, inline_wait=timedelta(minutes=2)),
    )

    overview = send.handler.run(post_id, holder="test")

    assert overview.state is SendState.FAILED
    assert overview.progress.retriable == 5
    assert overview.progress[DeliveryState.SENT] == 0
    assert "try again in 20 seconds" in (overview.send.error or "")
    assert sink.recipients == []
