"""Peak memory of a full inline send against audience size, and SQL statements per batch.

    uv run python bench/send_memory.py                    # 10,000 and 100,000, both databases
    uv run python bench/send_memory.py --sizes 1000,10000 --postgres-url ""

For each database kind and size: a database of its own with that many subscribers (all
eligible) and a published post with its send; then a fresh Python process builds the app
from the composition root (``DATABASE_URL``, ``SMTP_URL`` to an aiosmtpd sink in its own
process) and runs the whole send as the inline queue does (``SendPostNotificationsHandler``:
the plan, then the batches, ``notifications.concurrency`` at a time). It reports its peak
resident memory (``getrusage``: ru_maxrss) before and after the send, and the statements
each batch run sent to the database, by transaction: the claim, the record of each
message's outcome (one transaction per message, so that a run that dies leaves at most one
recipient undecided), the release of the lease, and the batch's report. Each size runs
``--runs`` times; the growth is that of the median peak.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import attrs

from bench.seed_users import demo_users
from bench.statements import Shape, TalliedBatch, Tally, linear, span
from bench.support import (
    BENCH_SECRET_KEY,
    add_postgres_argument,
    database,
    kinds,
    migrated_engine,
    print_table,
    quiet_logs,
    smtp_sink,
)
from oolvay.adapters.sqlalchemy.bulk import insert_users
from oolvay.adapters.sqlalchemy.engine import create_session_factory
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.composition_root import build_container
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post
from oolvay.domain.sends import Send
from oolvay.domain.users import User
from oolvay.settings import load_settings


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def child(database_url: str, post_id: str, smtp_port: int) -> None:
    """Runs in its own process: one full send, then a JSON line with what it measured."""
    quiet_logs()
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?starttls=false",
            "OOLVAY_SECRET_KEY": BENCH_SECRET_KEY,
        }
    )
    container = build_container(settings)
    post = PostId(uuid.UUID(post_id))
    container.send_status()(post)  # connects: what every process has before it sends
    tally = Tally(container.db_engine())
    batch = container.send_batch()
    handler = attrs.evolve(
        container.send_post_notifications(),
        batch=TalliedBatch(**attrs.asdict(batch, recurse=False), tally=tally),
    )
    before = peak_rss_mb()
    overview = handler.run(post, holder="bench")
    peak = peak_rss_mb()
    shapes = [[count, *attrs.astuple(shape)] for shape, count in sorted(tally.shapes.items())]
    print(
        json.dumps(
            {
                "before": before,
                "peak": peak,
                "state": str(overview.state),
                "sent": overview.progress[DeliveryState.SENT],
                "statements": tally.statements,
                "shapes": shapes,
            }
        )
    )


def prepare(url: str, size: int) -> str:
    """Subscribers and a published post with its send; returns the post's id."""
    engine = migrated_engine(url)
    insert_users(engine, demo_users(size, all_eligible=True))
    now = datetime.now(UTC)
    author = User.register(email="editor@example.com", now=now, is_editor=True)
    post = Post.draft(
        title="Memory", body="A post worth reading. " * 20, author_id=UserId(author.id), now=now
    )
    post.publish(now)
    uow = SqlAlchemyUnitOfWork(create_session_factory(engine))
    with uow:
        uow.users.add(author)
        uow.posts.add(post)
        uow.sends.add(Send.new(post.id, now=now))
        uow.commit()
    engine.dispose()
    return str(post.id)


@attrs.frozen
class Measured:
    before: float
    peak: float
    state: str
    sent: int
    statements: int
    shapes: dict[Shape, int]

    @classmethod
    def from_json(cls, line: str) -> Measured:
        got = json.loads(line)
        shapes = {Shape(*fields): count for count, *fields in got.pop("shapes")}
        return cls(**got, shapes=shapes)

    @property
    def batches(self) -> int:
        return sum(self.shapes.values())

    @property
    def full(self) -> list[Shape]:
        """The shapes of the batches with the most messages."""
        most = max(shape.messages for shape in self.shapes)
        return [shape for shape in self.shapes if shape.messages == most]


def measure(url: str, post_id: str, port: int) -> Measured:
    script = Path(__file__).resolve()
    output = subprocess.run(
        [sys.executable, str(script), "--child", url, post_id, str(port)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return Measured.from_json(output.strip().splitlines()[-1])


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--runs", type=int, default=2, help="processes per size")
    add_postgres_argument(parser)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    rows: list[list[object]] = []
    by_transaction: list[list[object]] = []
    verdicts = []
    with ExitStack() as stack:
        port = stack.enter_context(smtp_sink())
        for kind in kinds(args.postgres_url):
            peaks: list[float] = []
            fulls: list[Shape] = []
            for size in sizes:
                runs = []
                for _ in range(args.runs):
                    with database(kind, args.postgres_url) as url:
                        run = measure(url, prepare(url, size), port)
                    if run.sent != size or run.state != "sent":
                        raise SystemExit(f"{kind} {size:,}: {run.state}, {run.sent:,} sent")
                    runs.append(run)
                full = [shape for run in runs for shape in run.full]
                fulls += full
                peak = statistics.median(run.peak for run in runs)
                peaks.append(peak)
                rows.append(
                    [
                        kind,
                        size,
                        runs[0].sent,
                        f"{statistics.median(run.before for run in runs):.1f}",
                        " / ".join(f"{run.peak:.1f}" for run in runs),
                        f"{peak / peaks[0]:.3f}",
                        runs[0].batches,
                        span([shape.total for shape in full]),
                    ]
                )
                by_transaction.append(
                    [
                        kind,
                        size,
                        full[0].messages,
                        span([shape.claim for shape in full]),
                        span([shape.records / shape.messages for shape in full]),
                        span([shape.release for shape in full]),
                        span([shape.report for shape in full]),
                        span([run.statements for run in runs]),
                    ]
                )
                print(f"{kind} {size:,}: done", file=sys.stderr)
            growth = peaks[-1] / peaks[0]
            verdicts.append(
                f"{kind}: median peak RSS at {sizes[-1]:,} / at {sizes[0]:,} = {growth:.3f} "
                f"(<= 1.1: {'met' if growth <= 1.1 else 'NOT met'})"
            )
            verdicts.append(f"{kind}: statements per full batch {linear(fulls)}")

    print("Peak RSS (MB) of a process that runs one full inline send over SMTP")
    print_table(
        [
            "database",
            "recipients",
            "sent",
            "RSS before send",
            "peak RSS, each run",
            "median peak / first size",
            "batches",
            "statements per full batch",
        ],
        rows,
    )
    print()
    print("Statements of a full batch, by transaction; and of the whole send, every thread")
    print_table(
        [
            "database",
            "recipients",
            "messages",
            "claim",
            "per message",
            "release",
            "report",
            "whole send",
        ],
        by_transaction,
    )
    print()
    for line in verdicts:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
