"""What the bench scripts share: throwaway databases, an SMTP sink in its own process, the
app on a test client, tables."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa
import structlog
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.adapters.sqlalchemy.engine import create_database_engine, parse_database_url
from oolvay.adapters.sqlalchemy.schema import upgrade
from oolvay.composition_root import Container, build_container
from oolvay.settings import load_settings

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BENCH_SECRET_KEY = "bench-" + "k" * 40
DATABASES = ("sqlite", "postgresql")

SINK = """
import sys
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink

class Loopback(Controller):
    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()

controller = Loopback(Sink(), hostname="127.0.0.1", port=0)
controller.start()
print(controller.port, flush=True)
sys.stdin.read()
controller.stop()
"""


def add_postgres_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("OOLVAY_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
        help='PostgreSQL server to create the bench databases on ("" to skip)',
    )


def quiet_logs() -> None:
    """Only warnings and errors, on stderr: a bench prints its table, not a line per job."""
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


class UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@contextmanager
def smtp_sink() -> Iterator[int]:
    """An aiosmtpd server that accepts and discards everything, in its own process (so
    that it does not share the client's interpreter lock); yields its port."""
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert sink.stdout is not None
        yield int(sink.stdout.readline())
    finally:
        assert sink.stdin is not None
        sink.stdin.close()
        sink.wait(timeout=10)


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / f'bench-{secrets.token_hex(3)}.db'}"


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A database ``oolvay_bench_<random>`` on the server, dropped at the end."""
    server = parse_database_url(server_url)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"oolvay_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def database(kind: str, postgres_url: str) -> Iterator[str]:
    if kind == "sqlite":
        with sqlite_database() as url:
            yield url
    else:
        with postgres_database(postgres_url) as url:
            yield url


def kinds(postgres_url: str) -> list[str]:
    """The databases to run on: SQLite, and PostgreSQL when its server answers."""
    if not postgres_url:
        return ["sqlite"]
    engine = sa.create_engine(parse_database_url(postgres_url), connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        print(f"PostgreSQL skipped: {str(error.orig).splitlines()[0]}", file=sys.stderr)
        return ["sqlite"]
    finally:
        engine.dispose()
    return list(DATABASES)


def migrated_engine(url: str) -> Engine:
    engine = create_database_engine(url)
    upgrade(engine)
    return engine


@attrs.define
class PublishingApp:
    """The real app (composition root, HTTP routes) on a test client, with an editor."""

    container: Container
    client: Any
    """A ``fastapi.testclient.TestClient``."""
    headers: dict[str, str]

    @classmethod
    def start(cls, environ: Mapping[str, str]) -> PublishingApp:
        settings = load_settings({"OOLVAY_SECRET_KEY": BENCH_SECRET_KEY, **environ})
        container = build_container(settings)
        _, issued = container.create_editor()(
            f"editor-{secrets.token_hex(4)}@example.com", token_name="bench"
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # starlette deprecates its httpx-based client
            from fastapi.testclient import TestClient

        client = TestClient(create_app(container))
        return cls(container, client, {"Authorization": f"Bearer {issued.secret}"})

    def draft(self) -> str:
        response = self.client.post(
            "/api/posts",
            json={"title": "Benchmark", "body": "A post worth reading. " * 20},
            headers=self.headers,
        )
        response.raise_for_status()
        return str(response.json()["id"])

    def publish(self, post_id: str) -> dict[str, Any]:
        response = self.client.post(f"/api/posts/{post_id}/publish", headers=self.headers)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def close(self) -> None:
        self.client.close()
        self.container.db_engine().dispose()


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def print_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain table: the first column left-aligned, the others right-aligned."""
    cells = [[str(cell) for cell in header], *[[_cell(cell) for cell in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        first, *rest = row
        return "  ".join(
            [first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))]
        )

    print(line(cells[0]))
    print("  ".join("-" * width for width in widths))
    for row in cells[1:]:
        print(line(row))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def seconds(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started
