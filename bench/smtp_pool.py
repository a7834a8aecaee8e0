"""The SMTP connection pool against a connection per session, side by side in one run.

    uv run python bench/smtp_pool.py [--messages 2000] [--session 100] [--threads 8]
                                     [--latency-ms 20] [--runs 1] [--tls]

A sink in a process of its own waits ``--latency-ms`` before each reply to MAIL, RCPT and
DATA (a remote server's round trips), and counts the connections that greet it (EHLO).
Both ways send the same messages through SmtpMailer, in sessions of ``--session`` messages
spread over ``--threads`` threads, as parallel batches do:

* ``pool``: one mailer, its pool shared by every thread (``email.smtp_max_connections`` =
  the thread count), connections kept between sessions;
* ``connection per session``: the same mailer with ``smtp_idle_seconds = 0``, so each
  session opens a connection of its own and closes it.

With ``--tls`` the sink takes STARTTLS (a certificate from trustme) and every new
connection pays a TLS handshake, as a real provider's does.
"""

from __future__ import annotations

import argparse
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from bench.support import UtcClock, print_table, quiet_logs
from oolvay.adapters.email.mime import Sender
from oolvay.adapters.email.smtp import Security, SmtpMailer, SmtpServer
from oolvay.application.mail import send_all
from oolvay.application.ports import EmailMessage, SendStatus

SENDER = Sender(address="news@oolvay.example", name="Oolvay")

SLOW_SINK = """
import asyncio, ssl, sys
from aiosmtpd.controller import Controller

latency, certificate = float(sys.argv[1]) / 1000, sys.argv[2]

class Slow:
    def __init__(self):
        self.peers = set()  # one client address per connection (STARTTLS greets twice)
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.peers.add(session.peer)
        return responses
    async def handle_MAIL(self, server, session, envelope, address, options):
        await asyncio.sleep(latency)
        envelope.mail_from = address
        return "250 OK"
    async def handle_RCPT(self, server, session, envelope, address, options):
        await asyncio.sleep(latency)
        envelope.rcpt_tos.append(address)
        return "250 OK"
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(latency)
        return "250 OK"

class Loopback(Controller):
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

context = None
if certificate:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate)
handler = Slow()
controller = Loopback(handler, hostname="127.0.0.1", port=0, tls_context=context,
                      require_starttls=bool(context))
controller.start()
print(controller.port, flush=True)
for line in sys.stdin:
    print(len(handler.peers), flush=True)
controller.stop()
"""


class SlowSink:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self._process, self.port = process, port

    def connections(self) -> int:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write("count\n")
        self._process.stdin.flush()
        return int(self._process.stdout.readline())


@contextmanager
def slow_sink(latency_ms: float, certificate: str) -> Iterator[SlowSink]:
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_SINK, str(latency_ms), certificate],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield SlowSink(process, int(process.stdout.readline()))
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)


@contextmanager
def certificates(tls: bool) -> Iterator[tuple[str, ssl.SSLContext | None]]:
    if not tls:
        yield "", None
        return
    import trustme  # a dev dependency, needed only here

    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as folder:
        pem = Path(folder) / "server.pem"
        ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(pem))
        client = ssl.create_default_context()
        ca.configure_trust(client)
        yield str(pem), client


def messages(count: int) -> list[EmailMessage]:
    return [
        EmailMessage(to=f"reader{n}@example.com", subject=f"Post {n}", text="A new post.\n")
        for n in range(count)
    ]


def run(mailer: SmtpMailer, batches: list[list[EmailMessage]], threads: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = [r for batch in pool.map(lambda b: send_all(mailer, b), batches) for r in batch]
    elapsed = time.perf_counter() - started
    failed = [r for r in results if r.status is not SendStatus.SENT]
    if failed:
        raise SystemExit(f"{len(failed)} messages not sent, e.g. {failed[0]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--session", type=int, default=100)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--tls", action="store_true")
    args = parser.parse_args()
    quiet_logs()
    all_messages = messages(args.messages)
    batches = [
        all_messages[i : i + args.session] for i in range(0, len(all_messages), args.session)
    ]
    rows = []
    with (
        certificates(args.tls) as (certificate, client),
        slow_sink(args.latency_ms, certificate) as sink,
    ):
        security = Security.STARTTLS if args.tls else Security.NONE
        server = SmtpServer("127.0.0.1", sink.port, security)
        ways = {"pool": 60.0, "connection per session": 0.0}
        results: dict[str, list[tuple[float, int]]] = {way: [] for way in ways}
        for _ in range(args.runs):
            for way, idle in ways.items():
                mailer = SmtpMailer(
                    server,
                    SENDER,
                    UtcClock(),
                    timeout=30,
                    ssl_context=client,
                    max_connections=args.threads,
                    idle_seconds=idle,
                )
                before = sink.connections()
                elapsed = run(mailer, batches, args.threads)
                mailer.pool.close()
                results[way].append((elapsed, sink.connections() - before))
        for way, runs in results.items():
            elapsed = sorted(runs)[len(runs) // 2][0]
            opened = max(count for _, count in runs)
            rows.append([way, opened, elapsed, args.messages / elapsed])
    print(
        f"{args.messages:,} messages in sessions of {args.session} over {args.threads} threads; "
        f"sink waits {args.latency_ms:g} ms before each MAIL, RCPT and DATA reply"
        + ("; STARTTLS" if args.tls else "")
        + f"; median of {args.runs} run(s)"
    )
    print_table(["way", "connections opened", "seconds", "messages/s"], rows)


if __name__ == "__main__":
    main()
