"""Time the audience query for N users on SQLite and on PostgreSQL, side by side.

    uv run python bench/audience_query.py                     # 100,000 users, both databases
    uv run python bench/audience_query.py --users 20000 --postgres-url ""   # SQLite only

PostgreSQL: a database ``oolvay_bench_<random>`` is created on the server of
--postgres-url (default: OOLVAY_TEST_POSTGRES_URL, else postgres on 127.0.0.1:5432) and
dropped at the end. SQLite: a file in a temporary folder. Each gets the migrations, N demo
users (about 85% in the audience) and one published post already sent to every 10th
member of the audience. Prints medians.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from seed_users import demo_users
from sqlalchemy.engine import Engine
from support import (
    UtcClock,
    add_postgres_argument,
    counting,
    postgres_database,
    sqlite_database,
)

from oolvay.adapters.sqlalchemy.bulk import bulk_insert_users
from oolvay.adapters.sqlalchemy.engine import (
    create_database_engine,
    create_session_factory,
)
from oolvay.adapters.sqlalchemy.repositories import audience_query
from oolvay.adapters.sqlalchemy.schema import upgrade
from oolvay.adapters.sqlalchemy.tables import deliveries
from oolvay.adapters.sqlalchemy.tables import users as users_table
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.application.ports import EmailMessage, SendResult, SendStatus
from oolvay.application.send_post_notifications import SendPostNotificationsHandler
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post
from oolvay.domain.users import POST_EMAIL_AUDIENCE, User


class AcceptingMailer:
    """Accepts every message at once: the run measures the database, not SMTP."""

    @contextlib.contextmanager
    def session(self) -> Iterator[AcceptingMailer]:
        yield self

    def send(self, message: EmailMessage) -> SendResult:
        return SendResult(SendStatus.SENT)


class PlainRenderer:
    def post_notification(self, post: Post, user: User) -> EmailMessage:
        return EmailMessage(to=user.email, subject=post.title, text=post.body)


def median_ms(run: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def prepare(engine: Engine, users: int) -> tuple[PostId, float]:
    """Migrate, seed; return the post and the seconds the bulk insert took."""
    upgrade(engine)
    started = time.perf_counter()
    with engine.begin() as connection:
        bulk_insert_users(connection, demo_users(users))
    seeded = time.perf_counter() - started
    uow = SqlAlchemyUnitOfWork(create_session_factory(engine))
    now = datetime.now(UTC)
    author = User.register(email="editor@example.com", now=now, is_editor=True)
    post = Post.draft(title="Benchmark", body="Body", author_id=author.id, now=now)
    post.publish(now)
    with uow:
        uow.users.add(author)
        uow.posts.add(post)
        uow.commit()
    with engine.begin() as connection:
        members = connection.execute(
            audience_query(post.id, POST_EMAIL_AUDIENCE, after=None, limit=users).with_only_columns(
                users_table.c.id
            )
        ).scalars()
        already_sent = [
            {"post_id": post.id, "user_id": uid, "state": "sent", "attempts": 1, "updated_at": now}
            for i, uid in enumerate(members)
            if i % 10 == 0
        ]
        connection.execute(sa.insert(deliveries), already_sent)
        connection.exec_driver_sql("ANALYZE")
    return post.id, seeded


def measure(url: str, users: int, repeat: int, batch: int, explain: bool) -> dict[str, float]:
    engine = create_database_engine(url)
    try:
        post_id, seeded = prepare(engine, users)
        uow = SqlAlchemyUnitOfWork(create_session_factory(engine))

        def page(after: UserId | None) -> Sequence[User]:
            with uow:
                return uow.users.audience_batch(
                    post_id, POST_EMAIL_AUDIENCE, after=after, limit=batch
                )

        def full_scan() -> int:
            """Reads every page, the last (empty) one included; returns the pages read."""
            pages, after = 1, None
            while found := page(after):
                pages += 1
                after = found[-1].id
            return pages

        with counting(engine) as counter:
            pages = full_scan()
        everyone: list[UserId] = []
        after = None
        while found := page(after):
            everyone.extend(user.id for user in found)
            after = found[-1].id
        middle = everyone[len(everyone) // 2]

        if explain:
            show_plan(
                engine, audience_query(post_id, POST_EMAIL_AUDIENCE, after=middle, limit=batch)
            )

        results = {
            "users": float(users),
            "audience (not yet sent)": float(len(everyone)),
            f"bulk insert of {users:,} users (s)": seeded,
            "first page (ms)": median_ms(lambda: page(None), repeat),
            "middle page (ms)": median_ms(lambda: page(middle), repeat),
            f"full scan, {pages:,} queries of {batch} (ms)": median_ms(
                full_scan, max(3, repeat // 4)
            ),
            "statements per page": counter() / pages,
        }

        send = SendPostNotificationsHandler(
            uow=uow,
            mailer=AcceptingMailer(),
            renderer=PlainRenderer(),
            clock=UtcClock(),
            batch_size=batch,
        )
        per_batch: list[int] = []
        started = time.perf_counter()
        send.start(post_id)
        cursor: UserId | None = None
        while True:
            with counting(engine) as counter:
                report = send.send_batch(post_id, after=cursor, claimant="bench")
            if report.done and report.sent == 0:
                break
            per_batch.append(counter())
            cursor = report.after
        results["send run: claim, send, record all (s)"] = time.perf_counter() - started
        results["send run: statements per batch"] = statistics.median(per_batch)
        results["send run: most statements in a batch"] = max(per_batch)
        return results
    finally:
        engine.dispose()


def show_plan(engine: Engine, query: sa.Select[Any]) -> None:
    compiled = query.compile(engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(prefix + str(compiled)).all()
    print(f"--- {engine.dialect.name}: plan of a middle page")
    for row in plan:
        print("   ", row[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=21, help="timings per median")
    add_postgres_argument(parser)
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    args = parser.parse_args()

    columns: dict[str, dict[str, float]] = {}
    with sqlite_database() as url:
        columns["sqlite"] = measure(url, args.users, args.repeat, args.batch, args.explain)
    if args.postgres_url:
        try:
            with postgres_database(args.postgres_url) as url:
                columns["postgresql"] = measure(
                    url, args.users, args.repeat, args.batch, args.explain
                )
        except sa.exc.OperationalError as error:
            print(f"PostgreSQL skipped: {str(error.orig).splitlines()[0]}", file=sys.stderr)
    print_table(columns)
    return 0


def print_table(columns: dict[str, dict[str, float]]) -> None:
    names = list(columns)
    rows = list(next(iter(columns.values())))
    width = max(len(row) for row in rows) + 2
    header = f"{'':<{width}}" + "".join(f"{name:>14}" for name in names)
    if len(names) == 2:
        header += f"{'pg / sqlite':>14}"
    print(header)
    for row in rows:
        values = [columns[name].get(row, float("nan")) for name in names]
        line = f"{row:<{width}}" + "".join(f"{value:>14,.2f}" for value in values)
        if len(names) == 2 and row.endswith(("(ms)", "(s)")) and values[0]:
            line += f"{values[1] / values[0]:>14.2f}"
        print(line)


if __name__ == "__main__":
    sys.exit(main())
