"""Planning a send at scale: the audience snapshot of 100,000 and 1,000,000 subscribers, its
time and the planning process's peak memory, and what the Inngest planner then sends (events
and requests to the event API), measured through the served route.

    uv run python bench/snapshot.py [--sizes 100000 1000000] [--sqlite]

Targets: 1,000,000 on PostgreSQL in <= 30 s; peak RSS at 1,000,000 <= 1.1 x at 100,000;
planning sends O(batches / 1,000) requests.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.support import (
    BENCH_SECRET_KEY,
    add_postgres_argument,
    database,
    migrated_engine,
    print_table,
    quiet_logs,
)
from oolvay.adapters.sqlalchemy.bulk import insert_users
from oolvay.domain.ids import UserId
from oolvay.domain.posts import Post
from oolvay.domain.sends import Send
from oolvay.domain.users import User

NOW = datetime(2026, 12, 1, tzinfo=UTC)
AUTHOR = User.register(
    email="editor@oolvay.example", now=NOW, id=UserId(uuid.UUID(int=0)), is_editor=True
)
PLANNER = "blog-notifications-send-post-notifications"


def subscribers(count: int) -> Iterator[User]:
    for n in range(count):
        yield User.register(
            email=f"reader{n}@example.com",
            now=NOW,
            id=UserId(uuid.UUID(int=n + 1)),
            email_verified=True,
        )


def prepare(url: str, size: int) -> str:
    """``size`` subscribers and a published post with its send; returns the post's id."""
    engine = migrated_engine(url)
    insert_users(engine, [AUTHOR, *subscribers(size)])
    from oolvay.adapters.sqlalchemy.engine import create_session_factory
    from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork

    uow = SqlAlchemyUnitOfWork(create_session_factory(engine))
    post = Post.draft(title="Scale", body="Big.", author_id=AUTHOR.id, now=NOW)
    post.publish(NOW)
    with uow:
        uow.posts.add(post)
        uow.sends.add(Send.new(post.id, now=NOW))
        uow.commit()
    engine.dispose()
    return str(post.id)


class CountingEventApi:
    """A local event API that counts requests and events, and accepts them all."""

    def __init__(self) -> None:
        self.requests = 0
        self.events = 0
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                events = json.loads(self.rfile.read(int(self.headers["content-length"])))
                api.requests += 1
                api.events += len(events)
                body = json.dumps({"ids": [e["id"] for e in events], "status": 200}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def child(url: str, post_id: str) -> None:
    """In a process of its own: plan through the served planner, print the figures."""
    quiet_logs()
    import warnings

    from oolvay.adapters.http.app import create_app
    from oolvay.composition_root import build_container
    from oolvay.settings import load_settings

    api = CountingEventApi()
    container = build_container(
        load_settings(
            {
                "DATABASE_URL": url,
                "OOLVAY_SECRET_KEY": BENCH_SECRET_KEY,
                "OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true",
                "INNGEST_DEV": api.url,
            }
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    http = TestClient(create_app(container))
    event = {"name": "post.published", "data": {"post_id": post_id}, "id": "p", "ts": 0}
    steps: dict[str, Any] = {}
    started, planned_at, calls = time.perf_counter(), None, 0
    while True:
        body = {
            "ctx": {
                "attempt": 0,
                "disable_immediate_execution": False,
                "run_id": "r",
                "stack": {"stack": list(steps)},
            },
            "event": event,
            "events": [event],
            "steps": steps,
            "use_api": False,
        }
        response = http.post("/api/inngest", params={"fnId": PLANNER, "stepId": "step"}, json=body)
        calls += 1
        if planned_at is None:
            planned_at = time.perf_counter()
        if response.status_code != 206:
            response.raise_for_status()
            break
        for op in response.json():
            steps[op["id"]] = {"data": op.get("data")}
    output = response.json()
    print(
        json.dumps(
            {
                "plan_seconds": planned_at - started,
                "total_seconds": time.perf_counter() - started,
                "audience": output["audience"],
                "batches": output["batches"],
                "steps": len(steps),
                "requests": api.requests,
                "events": api.events,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def measure(url: str, post_id: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.snapshot", "--child", url, post_id],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--sqlite", action="store_true", help="SQLite too")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    add_postgres_argument(parser)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    quiet_logs()
    rows, peaks = [], {}
    for kind in ["postgresql", "sqlite"] if args.sqlite else ["postgresql"]:
        for size in args.sizes:
            with database(kind, args.postgres_url) as url:
                post_id = prepare(url, size)
                got = measure(url, post_id)
            assert got["audience"] == size, got
            peaks[(kind, size)] = got["peak_rss_mb"]
            rows.append(
                [
                    kind,
                    size,
                    got["plan_seconds"],
                    got["total_seconds"],
                    got["batches"],
                    got["steps"],
                    got["requests"],
                    got["events"],
                    got["peak_rss_mb"],
                ]
            )
    print_table(
        [
            "database",
            "audience",
            "snapshot s",
            "planner s",
            "batches",
            "steps",
            "requests",
            "events",
            "peak RSS MB",
        ],
        rows,
    )
    for kind in {row[0] for row in rows}:
        small, large = min(args.sizes), max(args.sizes)
        ratio = peaks[(kind, large)] / peaks[(kind, small)]
        print(f"{kind}: peak RSS at {large:,} / at {small:,} = {ratio:.2f} (target <= 1.1)")


if __name__ == "__main__":
    main()
