"""Sending at a network's distance: one relay whose replies to MAIL, RCPT and DATA take 20 ms
each, and, side by side in one run, a bare smtplib loop over N connections, the inline send at
concurrency N and at 1, and the Inngest batch worker driven by N executors over HTTP.

    uv run python bench/send_fanout.py [--messages 2000] [--concurrency 16] [--latency 0.02]

Targets (issue: sending at any audience size): inline at N >= 0.8 x bare smtplib over N
connections, and >= 10 x inline at concurrency 1. Concurrency 1 sends ``--slow-messages``
(rates are per second, so the audiences need not match).
"""

from __future__ import annotations

import argparse
import smtplib
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import uvicorn

from bench.relay import slow_relay
from bench.support import (
    BENCH_SECRET_KEY,
    add_postgres_argument,
    database,
    kinds,
    migrated_engine,
    print_table,
    quiet_logs,
)
from oolvay.adapters.email.mime import build_mime
from oolvay.adapters.http.app import create_app
from oolvay.adapters.sqlalchemy.bulk import insert_users
from oolvay.composition_root import Container, build_container
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post
from oolvay.domain.sends import Send
from oolvay.domain.users import User
from oolvay.settings import load_settings

NOW = datetime(2026, 12, 1, tzinfo=UTC)
AUTHOR = User.register(
    email="editor@oolvay.example", now=NOW, id=UserId(uuid.UUID(int=0)), is_editor=True
)
BATCH_FN = "blog-notifications-send-post-notifications-batch"


def readers(first: int, count: int) -> Iterator[User]:
    for n in range(first, first + count):
        yield User.register(
            email=f"reader{n}@example.com",
            now=NOW,
            id=UserId(uuid.UUID(int=n + 1)),
            email_verified=True,
        )


def a_container(url: str, port: int, concurrency: int, **extra: str) -> Container:
    environ = {
        "DATABASE_URL": url,
        "SMTP_URL": f"smtp://127.0.0.1:{port}?starttls=false",
        "OOLVAY_SECRET_KEY": BENCH_SECRET_KEY,
        "OOLVAY_NOTIFICATIONS__CONCURRENCY": str(concurrency),
        **extra,
    }
    return build_container(load_settings(environ))


def a_published_post(container: Container, *, dispatch: bool) -> tuple[PostId, float]:
    """A new post, published; with ``dispatch`` through the container's queue (inline: the
    whole send). Returns its id and the seconds the publish took."""
    post = Post.draft(
        title="Spring release", body="Worth reading. " * 40, author_id=AUTHOR.id, now=NOW
    )
    uow = container.uow()
    with uow:
        uow.posts.add(post)
        uow.commit()
    if dispatch:
        started = time.perf_counter()
        container.publish_post()(post.id)
        return post.id, time.perf_counter() - started
    with uow:
        stored = uow.posts.get(post.id)
        assert stored is not None
        stored.publish(NOW)
        uow.posts.update(stored)
        uow.sends.add(Send.new(post.id, now=NOW))
        uow.commit()
    return post.id, 0.0


def sent(container: Container, post_id: PostId) -> int:
    return container.send_status()(post_id).progress[DeliveryState.SENT]


def bare_smtplib(port: int, messages: list[tuple[str, bytes]], connections: int) -> float:
    """Messages per second: prebuilt messages over ``connections`` connections at once."""
    shares = [messages[n::connections] for n in range(connections)]

    def send(share: list[tuple[str, bytes]]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.ehlo()
            for to, data in share:
                smtp.sendmail("notifications@oolvay.example", [to], data)

    started = time.perf_counter()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(send, shares))
    return len(messages) / (time.perf_counter() - started)


def prebuilt(container: Container, count: int) -> list[tuple[str, bytes]]:
    renderer, sender = container.notification_renderer(), container.email_sender()
    post = Post.draft(
        title="Spring release", body="Worth reading. " * 40, author_id=AUTHOR.id, now=NOW
    )
    return [
        (user.email, build_mime(renderer.post_notification(post, user), sender=sender, now=NOW))
        for user in readers(10_000_000, count)
    ]


@contextmanager
def served(container: Container) -> Iterator[str]:
    """The app on a real server in a thread; yields its base URL."""
    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=0, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def invocation(post_id: PostId, batch: int) -> Mapping[str, Any]:
    data = {"post_id": str(post_id), "round": 0, "batch": batch}
    event = {"name": "post.notifications.batch", "data": data, "id": f"b{batch}", "ts": 0}
    return {
        "ctx": {
            "attempt": 0,
            "disable_immediate_execution": False,
            "run_id": f"run-{batch}",
            "stack": {"stack": []},
        },
        "event": event,
        "events": [event],
        "steps": {},
        "use_api": False,
    }


def inngest_batches(url: str, port: int, concurrency: int) -> float:
    """Messages per second through the batch worker, ``concurrency`` executors calling the
    served route at once (dev mode: no signatures), as Inngest's would."""
    container = a_container(
        url, port, concurrency, OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED="true", INNGEST_DEV="1"
    )
    post_id, _ = a_published_post(container, dispatch=False)
    plan = container.plan_send()(post_id)
    with served(container) as base, httpx.Client(base_url=base, timeout=120) as http:

        def run(batch: int) -> None:
            response = http.post(
                "/api/inngest",
                params={"fnId": BATCH_FN, "stepId": "step"},
                json=invocation(post_id, batch),
            )
            response.raise_for_status()

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(run, range(plan.batches)))
        elapsed = time.perf_counter() - started
    count = sent(container, post_id)
    container.db_engine().dispose()
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--slow-messages", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=0.02)
    add_postgres_argument(parser)
    args = parser.parse_args()
    quiet_logs()
    rows: list[tuple[str, float, float, float, float, float, float, float]] = []
    with slow_relay(args.latency) as relay:
        for kind in kinds(args.postgres_url):
            with database(kind, args.postgres_url) as url:
                engine = migrated_engine(url)
                insert_users(engine, [AUTHOR, *readers(0, args.slow_messages)])
                one = a_container(url, relay.port, 1)
                slow_post, slow_seconds = a_published_post(one, dispatch=True)
                slow = sent(one, slow_post) / slow_seconds
                one.db_engine().dispose()
                more = args.messages - args.slow_messages
                insert_users(engine, readers(args.slow_messages, more))
                many = a_container(url, relay.port, args.concurrency)
                bare = bare_smtplib(relay.port, prebuilt(many, args.messages), args.concurrency)
                post_id, seconds = a_published_post(many, dispatch=True)
                fast = sent(many, post_id) / seconds
                assert sent(many, post_id) == args.messages
                many.db_engine().dispose()
                worker = inngest_batches(url, relay.port, args.concurrency)
                engine.dispose()
                rows.append(
                    (kind, bare, fast, slow, worker, fast / bare, fast / slow, worker / bare)
                )
    n = args.concurrency
    latency = f"{args.latency * 1000:.0f} ms"
    print(f"{args.messages:,} messages, relay latency {latency} per reply; messages/s")
    print_table(
        [
            "database",
            f"bare x{n}",
            f"inline c={n}",
            "inline c=1",
            f"inngest x{n}",
            "inline/bare",
            "c=N/c=1",
            "inngest/bare",
        ],
        rows,
    )
    for kind, _, _, _, _, vs_bare, vs_one, _ in rows:
        print(
            f"{kind}: inline/bare {vs_bare:.2f} (target >= 0.8), "
            f"c={n}/c=1 {vs_one:.1f} (target >= 10)"
        )


if __name__ == "__main__":
    main()
