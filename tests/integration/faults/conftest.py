"""Fault injection: real SMTP servers, databases, processes and event APIs that fail on
purpose, in seeded trials, and what the queues and an editor would do afterwards."""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from structlog.testing import capture_logs

from tests.integration.email.conftest import (
    DroppingSink,
    LoopbackController,
    StartServer,
    start_server,
)
from tests.integration.faults.database import Outage, RecordFaults
from tests.integration.faults.killing import fork_server as forking
from tests.integration.faults.killing import killing_server
from tests.integration.faults.trials import Trial
from tests.integration.inngest.conftest import sentry_events

__all__ = ["sentry_events", "start_server"]  # fixtures of other folders, used here


@pytest.fixture(scope="session")
def fork_server() -> ForkServerContext:
    return forking()


@pytest.fixture
def trial(engine: Engine, fork_server: ForkServerContext, tmp_path: Path) -> Iterator[Trial]:
    with killing_server() as (sink, smtp):
        yield Trial(engine, sink, smtp, fork_server, tmp_path)


@pytest.fixture
def dropping_sink(start_server: StartServer) -> tuple[DroppingSink, LoopbackController]:
    sink = DroppingSink(after=0, times=0)
    return sink, start_server(sink)


@pytest.fixture
def record_faults(engine: Engine) -> Iterator[RecordFaults]:
    with RecordFaults(engine).listening() as faults:
        yield faults


@pytest.fixture
def outage(engine: Engine) -> Iterator[Outage]:
    with Outage(engine).armed() as armed:
        yield armed


@pytest.fixture(autouse=True)
def app_logs() -> Iterator[list[MutableMapping[str, Any]]]:
    """The application's log lines are kept, not printed (nor the test client's requests):
    ``-s`` shows the counts alone."""
    requests = logging.getLogger("httpx")
    level = requests.level
    requests.setLevel(logging.WARNING)
    try:
        with capture_logs() as logs:
            yield logs
    finally:
        requests.setLevel(level)
