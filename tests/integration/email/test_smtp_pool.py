"""The SMTP connection pool against a real server, from many threads: connections reused
across sessions, capped, closed when idle, and replaced when broken."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from oolvay.adapters.email.smtp import Security, SmtpMailer, SmtpServer
from oolvay.application.mail import send_all
from oolvay.application.ports import EmailMessage, SendStatus
from tests.fakes import FakeClock
from tests.integration.email.conftest import SENDER, LoopbackController, Sink, StartServer


class WatchingSink(Sink):
    """Remembers each connection's protocol object (to cut it from the server's side), and
    signals every QUIT it receives."""

    def __init__(self) -> None:
        super().__init__()
        self.servers: list[Any] = []
        self.quits = threading.Semaphore(0)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.servers.append(server)
        return await super().handle_EHLO(server, session, envelope, hostname, responses)

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self.quits.release()
        return "221 Bye"


def mailer_for(
    controller: LoopbackController, *, max_connections: int = 8, idle_seconds: float = 60
) -> SmtpMailer:
    return SmtpMailer(
        SmtpServer("127.0.0.1", controller.port, Security.NONE),
        SENDER,
        FakeClock(),
        timeout=5,
        max_connections=max_connections,
        idle_seconds=idle_seconds,
    )


def batch(start: int, count: int) -> list[EmailMessage]:
    return [
        EmailMessage(to=f"reader{n}@example.com", subject="Hi", text="Body\n")
        for n in range(start, start + count)
    ]


def send_in_threads(mailer: SmtpMailer, *, threads: int, sessions: int, size: int) -> list[str]:
    def one(number: int) -> list[SendStatus]:
        return [r.status for r in send_all(mailer, batch(number * size, size))]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        statuses = [status for result in pool.map(one, range(sessions)) for status in result]
    return [str(status) for status in statuses]


def test_sessions_from_many_threads_share_at_most_the_cap_of_connections(
    start_server: StartServer,
) -> None:
    sink = Sink()
    mailer = mailer_for(start_server(sink), max_connections=3)

    statuses = send_in_threads(mailer, threads=8, sessions=24, size=10)

    assert statuses == ["sent"] * 240
    assert sorted(sink.recipients) == sorted(f"reader{n}@example.com" for n in range(240))
    assert 1 <= sink.connections <= 3
    assert mailer.pool.opened == sink.connections
    assert (mailer.pool.in_use, mailer.pool.idle) == (0, sink.connections)


def test_with_one_connection_every_session_waits_for_it(start_server: StartServer) -> None:
    sink = Sink()
    mailer = mailer_for(start_server(sink), max_connections=1)

    statuses = send_in_threads(mailer, threads=4, sessions=8, size=5)

    assert statuses == ["sent"] * 40
    assert sink.connections == 1


def test_a_connection_the_server_closed_while_idle_is_replaced(start_server: StartServer) -> None:
    sink = WatchingSink()
    controller = start_server(sink)
    mailer = mailer_for(controller)
    send_all(mailer, batch(0, 2))
    [server] = sink.servers

    closed = asyncio.run_coroutine_threadsafe(_close(server), controller.loop)
    closed.result(timeout=5)
    results = send_all(mailer, batch(2, 2))

    assert [r.status for r in results] == [SendStatus.SENT] * 2
    assert sink.connections == 2
    assert len(sink.received) == 4
    assert (mailer.pool.in_use, mailer.pool.idle) == (0, 1)


async def _close(server: Any) -> None:
    server.transport.close()


def test_an_idle_connection_is_closed_after_a_while(start_server: StartServer) -> None:
    sink = WatchingSink()
    mailer = mailer_for(start_server(sink), idle_seconds=0.05)

    send_all(mailer, batch(0, 1))

    # The pool's reaper thread says QUIT once the connection has been idle long enough.
    assert sink.quits.acquire(timeout=5)
    assert mailer.pool.idle == 0
    send_all(mailer, batch(1, 1))
    assert sink.connections == 2


def test_without_idle_time_each_session_opens_and_closes_its_own(
    start_server: StartServer,
) -> None:
    sink = WatchingSink()
    mailer = mailer_for(start_server(sink), idle_seconds=0)

    send_all(mailer, batch(0, 2))
    send_all(mailer, batch(2, 2))

    assert sink.connections == 2
    assert sink.quits.acquire(timeout=5)
    assert sink.quits.acquire(timeout=5)
    assert mailer.pool.idle == 0


def test_a_session_ended_by_an_exception_does_not_give_its_connection_back(
    start_server: StartServer,
) -> None:
    sink = Sink()
    mailer = mailer_for(start_server(sink))

    with contextlib.suppress(KeyboardInterrupt), mailer.session() as session:
        session.send(batch(0, 1)[0])
        raise KeyboardInterrupt

    assert (mailer.pool.in_use, mailer.pool.idle) == (0, 0)
    send_all(mailer, batch(1, 1))
    assert sink.connections == 2
