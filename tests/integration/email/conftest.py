"""A real SMTP server (aiosmtpd) in this process, on a free loopback port, and its variants."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
from collections.abc import Callable, Iterator
from email.message import EmailMessage as MimeMessage
from typing import Any

import attrs
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from oolvay.adapters.email.mime import Sender
from oolvay.adapters.email.smtp import Security, SmtpMailer, SmtpServer
from tests.fakes import FakeClock

SENDER = Sender(address="news@oolvay.example", name="Oolvay News")


class LoopbackController(Controller):
    """aiosmtpd's Controller on a port the system picks (port 0): no clash with others."""

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0, **kwargs)

    def _trigger_server(self) -> None:
        # The base class connects to self.port to check the server is up; learn it first.
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]  # aiosmtpd leaves it bare


@attrs.frozen
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: MimeMessage
    raw: bytes
    peer: tuple[str, int]
    """The client's address: one value per connection."""


class Sink:
    """Accepts everything and keeps what it received."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.peers: set[tuple[str, int]] = set()
        self._lock = threading.Lock()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        with self._lock:
            self.peers.add(session.peer)
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, MimeMessage)
        with self._lock:
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    message,
                    envelope.original_content,
                    session.peer,
                )
            )
        return "250 2.0.0 OK"

    @property
    def recipients(self) -> list[str]:
        return [rcpt for r in self.received for rcpt in r.rcpt_tos]

    @property
    def connections(self) -> int:
        """Sessions that greeted the server (EHLO), whether or not they sent anything."""
        return len(self.peers)


class RefusingSink(Sink):
    """Answers RCPT TO for some addresses with a fixed reply (550 for good, 450 for now)."""

    def __init__(self, replies: dict[str, str]) -> None:
        super().__init__()
        self.replies = replies

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.replies:
            return self.replies[address]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"


class DroppingSink(Sink):
    """Cuts the connection at MAIL FROM once ``after`` messages have arrived, ``times`` times
    in all: the message being started is never received."""

    def __init__(self, *, after: int, times: int) -> None:
        super().__init__()
        self.after, self.times, self.drops = after, times, 0

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if len(self.received) >= self.after and self.drops < self.times:
            self.drops += 1
            server.transport.abort()
            return "421 4.4.2 never seen: the connection is gone"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    def recover(self) -> None:
        self.times = self.drops


StartServer = Callable[..., LoopbackController]


@pytest.fixture
def start_server() -> Iterator[StartServer]:
    """Start an aiosmtpd server with this handler (and Controller/SMTP options)."""
    running: list[LoopbackController] = []

    def start(handler: Any, **options: Any) -> LoopbackController:
        controller = LoopbackController(handler, **options)
        controller.start()
        running.append(controller)
        return controller

    yield start
    for controller in running:
        controller.stop()


def plain_mailer(controller: LoopbackController, sender: Sender = SENDER) -> SmtpMailer:
    server = SmtpServer("127.0.0.1", controller.port, Security.NONE)
    return SmtpMailer(server, sender, FakeClock(), timeout=5)


@attrs.frozen
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext
    """Trusts the test CA, and only it."""


@pytest.fixture(scope="session")
def tls() -> Tls:
    """A throwaway CA and a certificate for 127.0.0.1."""
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    ca.configure_trust(client)
    return Tls(server=server, client=client)


def authenticator(login: str, password: str) -> Callable[..., AuthResult]:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            login.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)

    return check
