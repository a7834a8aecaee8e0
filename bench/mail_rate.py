"""The sending rate across processes: with email.max_messages_per_second set, two processes
send one post together (each its share of the batches, through the shared rate limiter in
the database) to a relay that measures when each message arrives.

    uv run python bench/mail_rate.py [--rate 50] [--messages 5000] [--postgres-url URL]

Target: the measured rate over all the messages within +-10% of the setting.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from bench.relay import slow_relay
from bench.send_fanout import AUTHOR, NOW, readers
from bench.support import BENCH_SECRET_KEY, add_postgres_argument, database, migrated_engine
from oolvay.adapters.sqlalchemy.bulk import insert_users
from oolvay.adapters.sqlalchemy.engine import create_session_factory
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.domain.posts import Post
from oolvay.domain.sends import Send


def a_post(url: str, messages: int) -> str:
    engine = migrated_engine(url)
    insert_users(engine, [AUTHOR, *readers(0, messages)])
    uow = SqlAlchemyUnitOfWork(create_session_factory(engine))
    post = Post.draft(title="Paced", body="Steady.", author_id=AUTHOR.id, now=NOW)
    post.publish(NOW)
    with uow:
        uow.posts.add(post)
        uow.sends.add(Send.new(post.id, now=NOW))
        uow.commit()
    engine.dispose()
    return str(post.id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    add_postgres_argument(parser)
    args = parser.parse_args()
    with slow_relay(0.02) as relay, database(args.database, args.postgres_url) as url:
        post_id = a_post(url, args.messages)
        environ = {
            "DATABASE_URL": url,
            "SMTP_URL": f"smtp://127.0.0.1:{relay.port}?starttls=false",
            "OOLVAY_SECRET_KEY": BENCH_SECRET_KEY,
            "OOLVAY_EMAIL__MAX_MESSAGES_PER_SECOND": str(args.rate),
            "OOLVAY_NOTIFICATIONS__CONCURRENCY": "4",
            "PATH": "/usr/bin:/bin",
        }
        command = [str(Path(sys.prefix) / "bin" / "oolvay"), "notifications", "send"]
        # One of them plans the send (the other waits for the plan), then both send its
        # batches side by side, each claiming its own.
        senders = [
            subprocess.Popen(
                [*command, post_id],
                env=environ,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(args.processes)
        ]
        for sender in senders:
            sender.wait()
        log = relay.log()
    times = sorted(at for at, _ in log["arrived"])
    recipients = [to for _, to in log["arrived"]]
    measured = (len(times) - 1) / (times[-1] - times[0])
    off = measured / args.rate - 1
    print(
        f"{args.processes} processes, {len(times):,} messages, {len(set(recipients)):,} "
        f"recipients ({len(recipients) - len(set(recipients))} twice), database {args.database}"
    )
    print(f"setting {args.rate:g}/s, measured {measured:.2f}/s: {off:+.1%} (target within +-10%)")
    assert len(set(recipients)) == args.messages, "someone was missed"


if __name__ == "__main__":
    main()
