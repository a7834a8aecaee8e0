"""How long a publish waits on Inngest's event API, bounded (our queue) and bare (the SDK).

Run: uv run python bench/inngest_dispatch.py [runs]
Each endpoint is a local server on a free loopback port; medians of ``runs`` sends each.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import inngest

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


def median_seconds(send: Callable[[list[inngest.Event]], object], runs: int) -> float:
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        with contextlib.suppress(Exception):  # failures are what is measured here
            send([PostPublished.create(post_id=PostId(uuid.uuid4()))])
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def main(runs: int) -> None:
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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
