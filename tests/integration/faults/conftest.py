"""Fault injection: real SMTP servers, databases and event APIs that fail on purpose, in many
seeded trials, and the retries the queues would make afterwards."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs
import inngest
import pytest
import sqlalchemy as sa
from dependency_injector import providers
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.adapters.inngest.functions import WorkerEnv, send_post_notifications_worker
from oolvay.adapters.sqlalchemy.retry import TransientErrorRetry
from oolvay.composition_root import Container, build_container
from oolvay.domain.posts import Post
from oolvay.domain.users import User
from oolvay.settings import load_settings
from tests.builders import T0, a_post, a_subscriber
from tests.fakes import FakeErrorReporter
from tests.integration.conftest import a_uow, an_author, empty_tables, given
from tests.integration.email.conftest import DroppingSink, LoopbackController, start_server
from tests.integration.inngest.conftest import sentry_events
from tests.unit.adapters.inngest.mocked_runs import mocked_client

__all__ = ["sentry_events", "start_server"]  # fixtures of other folders, used here

SEED = 8_2026
SECRET_KEY = "fault-injection-" + "k" * 32
RETRY_ATTEMPTS = 3
FAST_RETRY = TransientErrorRetry(attempts=RETRY_ATTEMPTS, first_wait=0.001, max_wait=0.005)
"""The production policy's shape with waits a test can afford."""


@attrs.frozen
class Audience:
    post: Post
    eligible: list[str]
    """The addresses that must get exactly one email each."""


def given_an_audience(engine: Engine, *, size: int, published: bool) -> Audience:
    """An empty database, then ``size`` subscribers, two users who must get nothing (opted
    out, unverified) and a post by an editor."""
    empty_tables(engine)
    subscribers = [a_subscriber(n) for n in range(size)]
    bystanders = [
        a_subscriber(size, wants_post_emails=False),
        a_subscriber(size + 1, email_verified=False),
    ]
    post = a_post(title="Fault injection")
    if published:
        post.publish(T0)
    things: list[Post | User] = [an_author(), *subscribers, *bystanders, post]
    given(a_uow(engine), *things)
    return Audience(post=post, eligible=[user.email for user in subscribers])


def deliveries_per_address(received: list[str], expected: list[str]) -> dict[str, int]:
    """How many emails each expected address got, and any unexpected address too."""
    counts = Counter(received)
    return {address: counts[address] for address in sorted(set(expected) | set(counts))}


def exactly_once(expected: list[str]) -> dict[str, int]:
    return dict.fromkeys(sorted(expected), 1)


def an_app(engine: Engine, environ: Mapping[str, str]) -> Container:
    """The real composition root on this database, with the test retry policy."""
    container = build_container(load_settings({"OOLVAY_SECRET_KEY": SECRET_KEY, **environ}))
    container.db_engine.override(providers.Object(engine))
    container.transaction_retry.override(providers.Object(FAST_RETRY))
    return container


def smtp_to(controller: LoopbackController) -> dict[str, str]:
    return {"SMTP_URL": f"smtp://127.0.0.1:{controller.port}?starttls=false"}


def rearm(sink: DroppingSink, *, after: int, times: int) -> None:
    """Forget what the sink received; it will drop the next ``times`` connections once
    ``after`` messages have arrived."""
    sink.received.clear()
    sink.after, sink.times, sink.drops = after, times, 0


@pytest.fixture
def dropping_sink(start_server: Callable[..., LoopbackController]) -> tuple[DroppingSink, Any]:
    sink = DroppingSink(after=0, times=0)
    return sink, start_server(sink)


class RecordFaults:
    """Makes the database fail the statements that record a batch's outcomes.

    ``arm(at, count)``: counting record statements from 0, the ``at``-th and the ``count - 1``
    after it fail (a retry's statements count too). PostgreSQL: the server ends the session
    before the statement runs (``pg_terminate_backend``), a real lost connection. SQLite,
    which has no server to lose: the driver's own "database is locked" error (SQLITE_BUSY),
    raised where the statement would run."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seen = 0
        self.failed = 0
        self.at, self.count = 0, 0
        self._admin = (
            sa.create_engine(engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
            if engine.dialect.name == "postgresql"
            else None
        )

    def arm(self, *, at: int, count: int) -> None:
        self.seen, self.failed, self.at, self.count = 0, 0, at, count

    def __call__(self, connection: sa.Connection, cursor: Any, statement: str, *_: Any) -> None:
        if not statement.startswith("UPDATE deliveries SET state") or "claimant" not in statement:
            return
        index, self.seen = self.seen, self.seen + 1
        if not self.at <= index < self.at + self.count:
            return
        self.failed += 1
        if self._admin is None:
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorcode = 5  # type: ignore[attr-defined]
            error.sqlite_errorname = "SQLITE_BUSY"  # type: ignore[attr-defined]
            raise error
        pid = connection.connection.driver_connection.info.backend_pid  # type: ignore[union-attr]
        with self._admin.connect() as admin:
            admin.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})

    def close(self) -> None:
        if self._admin is not None:
            self._admin.dispose()


@pytest.fixture
def record_faults(engine: Engine) -> Iterator[RecordFaults]:
    faults = RecordFaults(engine)
    sa.event.listen(engine, "before_cursor_execute", faults)
    yield faults
    sa.event.remove(engine, "before_cursor_execute", faults)
    faults.close()


@attrs.define
class Editor:
    """The HTTP app on a test client, and an editor's credentials."""

    http: TestClient
    headers: dict[str, str]

    @classmethod
    def of(cls, app: Container) -> Editor:
        _, issued = app.create_editor()("editor@example.com", token_name="faults")
        http = TestClient(create_app(app), raise_server_exceptions=False)
        return cls(http, {"Authorization": f"Bearer {issued.secret}"})

    def draft(self) -> str:
        response = self.http.post(
            "/api/posts", json={"title": "Faults", "body": "Body"}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def publish(self, post_id: str) -> Response:
        return self.http.post(f"/api/posts/{post_id}/publish", headers=self.headers)


def a_mocked_worker(app: Container) -> inngest.Function[Any]:
    """``send-post-notifications`` on the app's handlers, for the SDK's mocked runner (which
    retries a failed step with the steps before it memoized, as Inngest does)."""
    return send_post_notifications_worker(
        WorkerEnv(
            client=mocked_client(),
            default_retries=4,
            handlers=app.job_handlers,
            reporter=FakeErrorReporter(),
        )
    )
