"""Bulk send throughput against the transport's limit: the send job against bare smtplib.

    uv run python bench/smtp_throughput.py [--messages 10000] [--batch 100] [--runs 3]
    uv run python bench/smtp_throughput.py --profile        # where a send run's time goes

Every way sends the same notifications (one post, the same subscribers, the same renderer)
to one aiosmtpd sink in its own process, interleaved run by run:

* ``send job, <database>``: SendPostNotificationsHandler.run on SQLite and on PostgreSQL,
  as a worker runs it: claim a batch, render, build and send each message over SmtpMailer
  (one connection per batch), record the outcomes; the deliveries are emptied between runs;
* ``mailer, batches``: send_all(SmtpMailer, ...) on the rendered messages, in batches;
* ``bare smtplib``: one connection, ``sendmail`` of the same messages built beforehand: the
  limit of this transport here;
* ``MIME only``: building the messages as the mailer does, no network.

Prints the median messages per second of each and its ratio to bare smtplib.
"""

from __future__ import annotations

import argparse
import smtplib
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime

import sqlalchemy as sa
from support import (
    UtcClock,
    add_postgres_argument,
    database,
    kinds,
    migrated_engine,
    print_table,
    quiet_logs,
    smtp_sink,
)

from oolvay.adapters.email.mime import Sender, build_mime
from oolvay.adapters.email.rendering import JinjaNotificationRenderer
from oolvay.adapters.email.smtp import Security, SmtpMailer, SmtpServer
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.adapters.sqlalchemy.bulk import insert_users
from oolvay.adapters.sqlalchemy.engine import create_session_factory
from oolvay.adapters.sqlalchemy.tables import deliveries
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.application.mail import send_all
from oolvay.application.ports import EmailMessage, SendStatus
from oolvay.application.send_post_notifications import SendPostNotificationsHandler
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post
from oolvay.domain.users import User

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SENDER = Sender(address="news@oolvay.example", name="Oolvay")
AUTHOR = User.register(
    email="editor@oolvay.example", now=NOW, id=UserId(uuid.UUID(int=0)), is_editor=True
)
RENDERER = JinjaNotificationRenderer(
    base_url="https://blog.example.com",
    tokens=HmacUserTokens("k" * 40, purpose="unsubscribe"),
    site_name="Oolvay",
)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def subscribers(count: int) -> list[User]:
    return [
        User.register(
            email=f"reader{n}@example.com",
            now=NOW,
            id=UserId(uuid.UUID(int=n + 1)),
            email_verified=True,
        )
        for n in range(count)
    ]


def a_post() -> Post:
    post = Post.draft(
        title="Spring release: what is new",
        body="We shipped a thing worth reading about. " * 20,
        author_id=AUTHOR.id,
        now=NOW,
    )
    post.publish(NOW)
    return post


def timed(send: Callable[[], int], count: int) -> tuple[float, float]:
    """Messages per second, and this process's CPU milliseconds per message."""
    started, cpu = time.perf_counter(), time.process_time()
    sent = send()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if sent != count:
        raise SystemExit(f"only {sent} of {count} messages were sent")
    return count / elapsed, cpu / count * 1000


def sent(results: Sequence[object]) -> int:
    return sum(1 for r in results if getattr(r, "status", None) is SendStatus.SENT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--profile", action="store_true", help="profile one send job run (pyinstrument)"
    )
    add_postgres_argument(parser)
    args = parser.parse_args()
    quiet_logs()

    readers, post = subscribers(args.messages), a_post()
    messages = [RENDERER.post_notification(post, reader) for reader in readers]
    with ExitStack() as stack:
        port = stack.enter_context(smtp_sink())
        mailer = SmtpMailer(
            SmtpServer("127.0.0.1", port, Security.NONE), SENDER, FixedClock(), timeout=30
        )
        jobs = {
            f"send job, {kind}": send_job(
                stack.enter_context(database(kind, args.postgres_url)),
                mailer,
                readers,
                post,
                args.batch,
            )
            for kind in kinds(args.postgres_url)
        }
        if args.profile:
            profile(next(iter(jobs.values())), args.messages)
            return
        compare(port, mailer, messages, jobs, args.batch, args.runs)


def send_job(
    url: str, mailer: SmtpMailer, readers: list[User], post: Post, batch: int
) -> Callable[[], int]:
    """One full send of the post to every reader, from an empty deliveries table."""
    engine = migrated_engine(url)
    insert_users(engine, [AUTHOR, *readers])
    uow = SqlAlchemyUnitOfWork(create_session_factory(engine))
    with uow:
        uow.posts.add(post)
        uow.commit()
    handler = SendPostNotificationsHandler(
        uow=uow, mailer=mailer, renderer=RENDERER, clock=UtcClock(), batch_size=batch
    )

    def run() -> int:
        with engine.begin() as connection:
            connection.execute(sa.delete(deliveries))
        return handler.run(PostId(post.id), claimant=f"bench:{uuid.uuid4()}").sent

    return run


def compare(
    port: int,
    mailer: SmtpMailer,
    messages: list[EmailMessage],
    jobs: dict[str, Callable[[], int]],
    batch: int,
    runs: int,
) -> None:
    count = len(messages)
    prebuilt = [(m.to, build_mime(m, sender=SENDER, now=NOW)) for m in messages]

    def mailer_in_batches() -> int:
        return sum(sent(send_all(mailer, messages[i : i + batch])) for i in range(0, count, batch))

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
        **jobs,
        f"mailer, batches of {batch}": mailer_in_batches,
        "bare smtplib": bare_smtplib,
        "MIME only (no network)": mime_only,
    }
    rates: dict[str, list[float]] = {name: [] for name in ways}
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    bare_smtplib()  # warm up both ends
    for _ in range(runs):
        for name, send in ways.items():
            rate, cpu_ms = timed(send, count)
            rates[name].append(rate)
            cpu[name].append(cpu_ms)

    base = statistics.median(rates["bare smtplib"])
    print(f"{count:,} messages to a local aiosmtpd sink, median of {runs} runs")
    print_table(
        ["way", "msg/s", "range", "ratio to bare smtplib", "client CPU ms/msg"],
        [
            [
                name,
                round(statistics.median(values)),
                f"{min(values):,.0f}..{max(values):,.0f}",
                f"{statistics.median(values) / base:.2f}",
                f"{statistics.median(cpu[name]):.3f}",
            ]
            for name, values in rates.items()
        ],
    )
    for name in jobs:
        ratio = statistics.median(rates[name]) / base
        verdict = "met" if ratio >= 0.8 else "NOT met"
        print(f"{name}: {ratio:.2f} of bare smtplib (>= 0.80: {verdict})")


def profile(job: Callable[[], int], count: int) -> None:
    from pyinstrument import Profiler

    job()  # warm up
    profiler = Profiler(interval=0.0005)
    profiler.start()
    started = time.perf_counter()
    job()
    elapsed = time.perf_counter() - started
    profiler.stop()
    print(f"one send job run, {count:,} messages, {count / elapsed:,.0f} msg/s")
    print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    sys.exit(main())
