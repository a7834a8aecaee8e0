"""An SMTP relay at a network's distance: each reply to MAIL, RCPT and DATA waits, in its own
process, on asyncio, so that many connections wait at once as a provider's would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

RELAY = """
import asyncio, sys
from aiosmtpd.controller import Controller

LATENCY = float(sys.argv[1])
received = 0

class Relay:
    async def handle_MAIL(self, server, session, envelope, address, options):
        await asyncio.sleep(LATENCY)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        await asyncio.sleep(LATENCY)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        global received
        await asyncio.sleep(LATENCY)
        received += 1
        return "250 Message accepted"

class Loopback(Controller):
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

controller = Loopback(Relay(), hostname="127.0.0.1", port=0)
controller.start()
print(controller.port, flush=True)
for line in sys.stdin:
    print(received, flush=True)
controller.stop()
"""


class Relay:
    """A running relay: its ``port``, and how many messages it has accepted."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process
        assert process.stdout is not None
        self.port = int(process.stdout.readline())

    def received(self) -> int:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write("count\n")
        self._process.stdin.flush()
        return int(self._process.stdout.readline())


@contextmanager
def slow_relay(latency: float = 0.02) -> Iterator[Relay]:
    """An aiosmtpd relay whose replies to MAIL, RCPT and DATA each take ``latency`` s."""
    process = subprocess.Popen(
        [sys.executable, "-c", RELAY, str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield Relay(process)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)
