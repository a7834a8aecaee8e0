"""Messages per second over SMTP to a local aiosmtpd sink: SmtpMailer against bare smtplib.

    uv run python bench/smtp_throughput.py [--messages 10000] [--batch 100] [--runs 3]

The sink runs in its own process, so that it does not share the client's interpreter lock.
Three ways of sending the same notifications, interleaved run by run:

* ``mailer, batches``: SmtpMailer.send_batch in batches of ``--batch`` (as the job sends:
  one connection per batch), building each MIME message as it goes;
* ``mailer, one batch``: SmtpMailer.send_batch over all messages at once (one connection);
* ``bare smtplib``: one connection, ``sendmail`` of the same messages built beforehand;
* ``MIME only``: building and serialising the messages as the mailer does, no network,
  to show how much of the difference is the email package's work rather than SMTP's.

Prints the median messages per second of each and their ratios to bare smtplib.
"""

from __future__ import annotations

import argparse
import smtplib
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from oolvay.adapters.email.mime import Sender, build_mime
from oolvay.adapters.email.rendering import JinjaNotificationRenderer
from oolvay.adapters.email.smtp import Security, SmtpMailer, SmtpServer
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.application.ports import EmailMessage, SendStatus
from oolvay.domain.ids import UserId
from oolvay.domain.posts import Post
from oolvay.domain.users import User

SINK = """
import sys
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

class Loopback(Controller):
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

controller = Loopback(Sink(), hostname="127.0.0.1", port=0)
controller.start()
print(controller.port, flush=True)
sys.stdin.read()
controller.stop()
"""

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SENDER = Sender(address="news@oolvay.example", name="Oolvay")


class FixedClock:
    def now(self) -> datetime:
        return NOW


def notifications(count: int) -> list[EmailMessage]:
    renderer = JinjaNotificationRenderer(
        base_url="https://blog.example.com",
        tokens=HmacUserTokens("k" * 40, purpose="unsubscribe"),
        site_name="Oolvay",
    )
    post = Post.draft(
        title="Spring release: what is new",
        body="We shipped a thing worth reading about. " * 20,
        author_id=UserId(uuid.UUID(int=1)),
        now=NOW,
    )
    post.publish(NOW)
    return [
        renderer.post_notification(
            post,
            User.register(email=f"reader{n}@example.com", now=NOW, id=UserId(uuid.UUID(int=n))),
        )
        for n in range(count)
    ]


def timed(send: Callable[[], int], count: int) -> float:
    started = time.perf_counter()
    sent = send()
    elapsed = time.perf_counter() - started
    if sent != count:
        raise SystemExit(f"only {sent} of {count} messages were sent")
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    sink = subprocess.Popen(
        [sys.executable, "-c", SINK], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert sink.stdout is not None
        port = int(sink.stdout.readline())
        run(port, args.messages, args.batch, args.runs)
    finally:
        assert sink.stdin is not None
        sink.stdin.close()
        sink.wait(timeout=10)


def run(port: int, count: int, batch: int, runs: int) -> None:
    messages = notifications(count)
    prebuilt = [(m.to, build_mime(m, sender=SENDER, now=NOW)) for m in messages]
    mailer = SmtpMailer(
        SmtpServer("127.0.0.1", port, Security.NONE), SENDER, FixedClock(), timeout=30
    )

    def sent(results: Sequence[object]) -> int:
        return sum(1 for r in results if getattr(r, "status", None) is SendStatus.SENT)

    def mailer_in_batches() -> int:
        return sum(sent(mailer.send_batch(messages[i : i + batch])) for i in range(0, count, batch))

    def mailer_one_batch() -> int:
        return sent(mailer.send_batch(messages))

    def bare_smtplib() -> int:
        done = 0
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo()
            for to, data in prebuilt:
                smtp.sendmail(SENDER.address, [to], data)
                done += 1
        return done

    def mime_only() -> int:
        for m in messages:
            build_mime(m, sender=SENDER, now=NOW)
        return count

    ways = {
        f"mailer, batches of {batch}": mailer_in_batches,
        "mailer, one batch": mailer_one_batch,
        "bare smtplib": bare_smtplib,
        "MIME only (no network)": mime_only,
    }
    rates: dict[str, list[float]] = {name: [] for name in ways}
    bare_smtplib()  # warm up both ends
    for _ in range(runs):
        for name, send in ways.items():
            rates[name].append(timed(send, count))

    base = statistics.median(rates["bare smtplib"])
    print(f"{count} messages to a local aiosmtpd sink, median of {runs} runs")
    for name, values in rates.items():
        median = statistics.median(values)
        spread = f"{min(values):,.0f}..{max(values):,.0f}"
        print(f"  {name:<24} {median:>8,.0f} msg/s  ({spread})  ratio {median / base:.2f}")


if __name__ == "__main__":
    main()
