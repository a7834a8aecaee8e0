"""How long a publish waits on Inngest's event API, bounded (our queue) and bare (the SDK).

    uv run python bench/inngest_dispatch.py [--runs 3] [--publishes 20]

Each endpoint is a local server on a free loopback port; medians of ``--runs`` sends each.
Then the dispatch budget end to end: ``--publishes`` publishes through the HTTP app (the
composition root, routes, FastAPI's TestClient) on SQLite and PostgreSQL while the event
API accepts connections and never answers, with the default budget; every one of them
must return within the budget plus a small overhead.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import inngest

from bench.support import (
    PublishingApp,
    add_postgres_argument,
    database,
    kinds,
    migrated_engine,
    print_table,
    quiet_logs,
)
from oolvay.adapters.inngest.client import build_inngest_client
from oolvay.adapters.inngest.environment import inngest_environment
from oolvay.adapters.inngest.events import PostPublished
from oolvay.composition_root import build_container
from oolvay.domain.ids import PostId
from oolvay.settings import load_settings
from tests.integration.inngest.servers import (
    accepting,
    closed_port,
    error_500_json,
    event_api,
    silent_server,
)

KEYS = {"INNGEST_EVENT_KEY": "bench", "INNGEST_SIGNING_KEY": "signkey-bench-" + "ab" * 32}
ENDPOINTS: dict[str, Callable[[], AbstractContextManager[str]]] = {
    "accepting": lambda: event_api(accepting),
    "closed port": closed_port,
    "500 with JSON": lambda: event_api(error_500_json),
    "accepts, never answers": silent_server,
}
BARE_SKIPPED = {"accepts, never answers"}  # the bare SDK would wait 5 x 30 s
OVERHEAD_ALLOWED = 0.25
"""Seconds over the budget a publish may take: the request's own work, a loaded machine."""


def median_seconds(send: Callable[[list[inngest.Event]], object], runs: int) -> float:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        with contextlib.suppress(Exception):  # failures are what is measured here
            send([PostPublished.create(post_id=PostId(uuid.uuid4()))])
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="sends per endpoint and way")
    parser.add_argument("--publishes", type=int, default=20, help="publishes per database")
    add_postgres_argument(parser)
    args = parser.parse_args()
    quiet_logs()
    senders(args.runs)
    if args.publishes:
        print()
        publishes_with_a_hung_endpoint(args.publishes, args.postgres_url)


def senders(runs: int) -> None:
    print(f"{'endpoint':<24}{'bounded (s)':>12}{'bare SDK (s)':>14}  (median of {runs})")
    for name, endpoint in ENDPOINTS.items():
        with endpoint() as url:
            settings = load_settings({**KEYS, "INNGEST_BASE_URL": url})
            bounded = median_seconds(build_container(settings).inngest_event_sender(), runs)
            bare = "skipped"
            if name not in BARE_SKIPPED:
                client = build_inngest_client(
                    app_id="bench",
                    environment=inngest_environment(settings.deployment, enabled=True),
                    request_timeout=timedelta(seconds=30),
                )
                bare = f"{median_seconds(client.send_sync, runs):.3f}"
        print(f"{name:<24}{bounded:>12.3f}{bare:>14}")


def publishes_with_a_hung_endpoint(publishes: int, postgres_url: str) -> None:
    rows, verdicts = [], []
    with silent_server() as url:
        for kind in kinds(postgres_url):
            with database(kind, postgres_url) as database_url:
                migrated_engine(database_url).dispose()
                app = PublishingApp.start(
                    {
                        **KEYS,
                        "DATABASE_URL": database_url,
                        "OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true",
                        "INNGEST_BASE_URL": url,
                    }
                )
                budget = app.container.config.background_jobs.inngest.dispatch_budget_seconds()
                durations = []
                for _ in range(publishes):
                    post_id = app.draft()
                    started = time.perf_counter()
                    outcome = app.publish(post_id)
                    durations.append(time.perf_counter() - started)
                    assert outcome["notifications"]["status"] == "dispatch_failed", outcome
                app.close()
            worst = max(durations)
            rows.append(
                [
                    kind,
                    publishes,
                    f"{budget:g}",
                    f"{statistics.median(durations):.3f}",
                    f"{worst:.3f}",
                    f"{(worst - budget) * 1000:.0f}",
                ]
            )
            verdict = "met" if worst <= budget + OVERHEAD_ALLOWED else "NOT met"
            verdicts.append(
                f"{kind}: every publish within the budget + {OVERHEAD_ALLOWED * 1000:.0f} ms: "
                f"{verdict} (worst {worst:.3f} s)"
            )
    print("Publish through the HTTP app, the event API accepts and never answers")
    print_table(
        ["database", "publishes", "budget (s)", "median (s)", "max (s)", "max over budget (ms)"],
        rows,
    )
    for line in verdicts:
        print(line)


if __name__ == "__main__":
    main()
