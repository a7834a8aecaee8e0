"""Publish latency against audience size, through the HTTP app, on both queues and databases.

    uv run python bench/publish_latency.py                     # the full run (about 10 min)
    uv run python bench/publish_latency.py --sizes 10,1000 --postgres-url ""   # a quick look

For each database kind and audience size, a database of its own holds that many subscribers
(all of them eligible) and two copies of the real app (composition root, routes, FastAPI's
TestClient in this process) publish posts:

* Inngest: the app sends ``post.published`` to a local event API that accepts at once (a
  server on a free loopback port, from the test suite); no worker runs.
* inline: the emails go over SMTP (``SMTP_URL``) to an aiosmtpd sink in its own process.

A publish is ``POST /api/posts/{id}/publish`` on a fresh draft; only that request is timed.
Publishes go round by round across the sizes, so that the machine's noise falls on every
size alike. Prints the median (p50) and the range of each, then the targets.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import attrs

from bench.seed_users import demo_users
from bench.support import (
    PublishingApp,
    add_postgres_argument,
    database,
    kinds,
    median,
    migrated_engine,
    print_table,
    quiet_logs,
    seconds,
    smtp_sink,
)
from oolvay.adapters.sqlalchemy.bulk import insert_users
from oolvay.application.dispatch import DispatchStatus
from oolvay.domain.sends import SendState
from tests.integration.inngest.servers import EventApi, accepting

INNGEST_KEYS = {"INNGEST_EVENT_KEY": "bench", "INNGEST_SIGNING_KEY": "signkey-bench-" + "ab" * 32}


@attrs.define
class Audience:
    """One database with ``size`` subscribers, and the app on each queue."""

    kind: str
    size: int
    inngest: PublishingApp
    inline: PublishingApp
    timings: dict[str, list[float]] = attrs.Factory(lambda: {"inngest": [], "inline": []})

    def publish(self, queue: str) -> None:
        app = self.inngest if queue == "inngest" else self.inline
        post_id = app.draft()
        outcome: dict[str, object] = {}
        self.timings[queue].append(seconds(lambda: outcome.update(app.publish(post_id))))
        notifications = outcome["notifications"]
        assert isinstance(notifications, dict), outcome
        if not delivered(queue, notifications, self.size):
            raise SystemExit(f"{queue} publish on {self.kind}: {notifications}")


def delivered(queue: str, notifications: dict[str, Any], size: int) -> bool:
    """Inngest took the event; or the inline send sent everyone before the publish returned."""
    if queue == "inngest":
        return bool(notifications["status"] == DispatchStatus.DISPATCHED)
    result = notifications["result"] or {}
    return bool(
        notifications["status"] == DispatchStatus.RAN
        and result.get("status") == SendState.SENT
        and result.get("sent") == size
    )


@contextlib.contextmanager
def audience(
    kind: str, size: int, postgres_url: str, event_api: str, smtp_port: int
) -> Iterator[Audience]:
    with database(kind, postgres_url) as url:
        engine = migrated_engine(url)
        insert_users(engine, demo_users(size, all_eligible=True))
        engine.dispose()
        common = {"DATABASE_URL": url}
        inngest = PublishingApp.start(
            {
                **common,
                **INNGEST_KEYS,
                "OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true",
                "INNGEST_BASE_URL": event_api,
            }
        )
        inline = PublishingApp.start(
            {**common, "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}?starttls=false"}
        )
        try:
            yield Audience(kind, size, inngest, inline)
        finally:
            inngest.close()
            inline.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,10000,100000")
    parser.add_argument("--runs", type=int, default=15, help="Inngest publishes per size")
    parser.add_argument("--inline-runs", type=int, default=3, help="inline publishes per size")
    parser.add_argument(
        "--inline-100k-runs",
        type=int,
        default=1,
        help="inline publishes at 100,000 (each sends 100,000 emails); 0 skips them",
    )
    add_postgres_argument(parser)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    quiet_logs()

    rows: list[Row] = []
    with ExitStack() as stack:
        events = stack.enter_context(EventApi(accepting))
        port = stack.enter_context(smtp_sink())
        for kind in kinds(args.postgres_url):
            audiences = [
                stack.enter_context(audience(kind, size, args.postgres_url, events.url, port))
                for size in sizes
            ]
            for each in audiences:  # warm up: connections, compiled statements
                each.publish("inngest")
                each.timings["inngest"].clear()
            for round_ in range(max(args.runs, args.inline_runs)):
                for each in audiences:
                    if round_ < args.runs:
                        each.publish("inngest")
                    inline_runs = (
                        args.inline_100k_runs if each.size >= 100_000 else args.inline_runs
                    )
                    if round_ < inline_runs:
                        each.publish("inline")
            rows += [Row.of(each) for each in audiences]
            print(f"{kind}: done", file=sys.stderr)

    print(
        f"Publish latency (ms), POST /api/posts/{{id}}/publish; {args.runs} Inngest runs per size"
    )
    print_table(
        [
            "database",
            "audience",
            "Inngest p50",
            "Inngest min..max",
            "inline runs",
            "inline p50",
            "inline / Inngest",
        ],
        [row.cells() for row in rows],
    )
    print()
    for line in targets(rows):
        print(line)
    return 0


@attrs.frozen
class Row:
    kind: str
    size: int
    inngest: list[float]
    inline: list[float]

    @classmethod
    def of(cls, each: Audience) -> Row:
        ms = [t * 1000 for t in each.timings["inngest"]], [t * 1000 for t in each.timings["inline"]]
        return cls(each.kind, each.size, *ms)

    def cells(self) -> list[object]:
        cells: list[object] = [
            self.kind,
            self.size,
            median(self.inngest),
            f"{min(self.inngest):.1f}..{max(self.inngest):.1f}",
            len(self.inline),
        ]
        if not self.inline:
            return [*cells, "skipped (--inline-100k-runs 0)", ""]
        return [*cells, median(self.inline), f"{self.ratio:,.0f}x"]

    @property
    def ratio(self) -> float:
        return median(self.inline) / median(self.inngest)


def targets(rows: list[Row]) -> list[str]:
    lines = []
    by = {(row.kind, row.size): row for row in rows}
    for kind in dict.fromkeys(row.kind for row in rows):
        small, large, middle = by.get((kind, 10)), by.get((kind, 100_000)), by.get((kind, 10_000))
        if small and large:
            growth = median(large.inngest) / median(small.inngest)
            verdict = "met" if growth <= 1.5 else "NOT met"
            lines.append(
                f"{kind}: Inngest p50 at 100,000 / at 10 = {growth:.2f} (<= 1.5: {verdict})"
            )
        if middle and middle.inline:
            verdict = "met" if middle.ratio >= 100 else "NOT met"
            lines.append(
                f"{kind}: inline / Inngest p50 at 10,000 = {middle.ratio:,.0f}x (>= 100: {verdict})"
            )
    return lines


if __name__ == "__main__":
    sys.exit(main())
