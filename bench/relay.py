"""An SMTP relay at a network's distance: each reply to MAIL, RCPT and DATA waits, in its own
process, on asyncio, so that many connections wait at once as a provider's would. It can
also throttle like a provider (a 421 to every n-th RCPT), and it keeps when each message
arrived."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

RELAY = """
import asyncio, json, sys, time
from aiosmtpd.controller import Controller

LATENCY, EVERY, WAIT, UNTIL = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
arrived, throttled, asked, refused = [], [], 0, set()

class Relay:
    async def handle_MAIL(self, server, session, envelope, address, options):
        await asyncio.sleep(LATENCY)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, options):
        global asked
        await asyncio.sleep(LATENCY)
        asked += 1
        throttling = EVERY and (not UNTIL or asked <= UNTIL)
        if throttling and asked % EVERY == 0 and address not in refused:
            refused.add(address)
            throttled.append(time.time())
            return f"421 4.7.0 too many messages, try again in {WAIT} seconds"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(LATENCY)
        arrived.append((time.time(), envelope.rcpt_tos[0]))
        return "250 Message accepted"

class Loopback(Controller):
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

controller = Loopback(Relay(), hostname="127.0.0.1", port=0)
controller.start()
print(controller.port, flush=True)
for line in sys.stdin:
    if line.strip() == "count":
        print(len(arrived), flush=True)
    else:
        print(json.dumps({"arrived": arrived, "throttled": throttled}), flush=True)
controller.stop()
"""


class Relay:
    """A running relay: its ``port``, and what it has accepted."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._process = process
        assert process.stdout is not None
        self.port = int(process.stdout.readline())

    def _ask(self, what: str) -> str:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(what + "\n")
        self._process.stdin.flush()
        return self._process.stdout.readline()

    def received(self) -> int:
        return int(self._ask("count"))

    def log(self) -> dict[str, Any]:
        """``arrived``: [time, recipient] per message; ``throttled``: the time of each 421."""
        result: dict[str, Any] = json.loads(self._ask("log"))
        return result


@contextmanager
def slow_relay(
    latency: float = 0.02,
    *,
    throttle_every: int = 0,
    throttle_wait: int = 2,
    throttle_until: int = 0,
) -> Iterator[Relay]:
    """An aiosmtpd relay whose replies to MAIL, RCPT and DATA each take ``latency`` s; with
    ``throttle_every``, every n-th RCPT gets a 421 asking to wait ``throttle_wait`` s (once
    per address), among the first ``throttle_until`` RCPTs (0: all of them)."""
    arguments = (latency, throttle_every, throttle_wait, throttle_until)
    process = subprocess.Popen(
        [sys.executable, "-c", RELAY, *map(str, arguments)],
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
