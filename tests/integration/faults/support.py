"""What the fault trials share: the application on a test database, an audience, a clock
ahead of the real one, and the counts of what arrived where."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

import attrs
import httpx
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.adapters.sqlalchemy.retry import TransientErrorRetry
from oolvay.adapters.sqlalchemy.tables import metadata
from oolvay.application.ports import DeliveryRepository
from oolvay.composition_root import Container, build_container
from oolvay.domain.deliveries import Delivery, DeliveryState
from oolvay.domain.ids import PostId
from oolvay.domain.posts import Post
from oolvay.domain.sends import Send
from oolvay.domain.users import User
from oolvay.settings import load_settings
from tests.builders import T0, a_post, a_subscriber
from tests.fakes import FakeClock
from tests.integration.conftest import a_uow, an_author, given
from tests.integration.email.conftest import DroppingSink, LoopbackController

SEED = 8_2026
SECRET_KEY = "fault-injection-" + "k" * 32
RETRY_ATTEMPTS = 3
FAST_RETRY = TransientErrorRetry(attempts=RETRY_ATTEMPTS, first_wait=0.001, max_wait=0.005)
"""The production policy's shape with waits a test can afford."""


def settings_for(
    *, smtp: int | None = None, batch: int | None = None, concurrency: int | None = None
) -> dict[str, str]:
    """The environment of a trial: the SMTP sink's port, the batch size, the concurrency."""
    environ = {"OOLVAY_SECRET_KEY": SECRET_KEY}
    if smtp is not None:
        environ["SMTP_URL"] = f"smtp://127.0.0.1:{smtp}?starttls=false"
        # The killing sink knows a killed child is gone for good once no connection is
        # open: the test process's own sends (retries, resends) keep none in a pool.
        environ["OOLVAY_EMAIL__SMTP_IDLE_SECONDS"] = "0"
    if batch is not None:
        environ["OOLVAY_NOTIFICATIONS__BATCH_SIZE"] = str(batch)
    if concurrency is not None:
        environ["OOLVAY_NOTIFICATIONS__CONCURRENCY"] = str(concurrency)
    return environ


def smtp_to(controller: LoopbackController) -> dict[str, str]:
    return settings_for(smtp=controller.port)


def an_app(engine: Engine, environ: Mapping[str, str]) -> Container:
    """The real composition root on this database, with the test retry policy."""
    container = build_container(load_settings({"OOLVAY_SECRET_KEY": SECRET_KEY, **environ}))
    container.db_engine.override(providers.Object(engine))
    container.transaction_retry.override(providers.Object(FAST_RETRY))
    return container


class AheadClock:
    """The real time plus ``ahead``: a process that sees the leases of a dead one as old
    as they will be by then, without waiting for it."""

    def __init__(self, ahead: timedelta) -> None:
        self.ahead = ahead

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead


def ahead_of_the_heartbeats(app: Container) -> AheadClock:
    """Give ``app`` a clock far enough ahead that every lease another process holds looks
    dead (its heartbeat missed twice as many beats as death takes)."""
    clock = AheadClock(2 * app.sending_policy().dead_after)
    app.clock.override(providers.Object(clock))
    return clock


@attrs.frozen
class Audience:
    post: Post
    eligible: list[str]
    """The addresses that must get exactly one email each."""


def emptied(engine: Engine) -> None:
    """Every table emptied, row by row: for the few rows of a trial, ten times quicker than
    PostgreSQL's TRUNCATE."""
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


def given_an_audience(engine: Engine, *, size: int, published: bool) -> Audience:
    """An empty database, then ``size`` subscribers, two users who must get nothing (opted
    out, unverified) and a post by an editor; published, the post has its send record, as
    the publish makes it."""
    emptied(engine)
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
    if published:
        uow = a_uow(engine)
        with uow:
            uow.sends.add(Send.new(post.id, now=T0))
            uow.commit()
    return Audience(post=post, eligible=[user.email for user in subscribers])


def every_delivery(repository: DeliveryRepository, post_id: PostId) -> list[Delivery]:
    """Every delivery record of the post, with the recipient's address (in an open unit of
    work)."""
    found: list[Delivery] = []
    while page := repository.page(post_id, after=found[-1].user_id if found else None, limit=500):
        found.extend(page)
    return found


def all_deliveries(engine: Engine, post_id: PostId) -> list[Delivery]:
    uow = a_uow(engine)
    with uow:
        return every_delivery(uow.deliveries, post_id)


def states(engine: Engine, post_id: PostId) -> dict[DeliveryState, int]:
    return dict(Counter(delivery.state for delivery in all_deliveries(engine, post_id)))


def in_state(engine: Engine, post_id: PostId, state: DeliveryState) -> list[str]:
    return sorted(
        d.email or "" for d in all_deliveries(engine, post_id) if d.state is state and d.email
    )


@attrs.frozen
class Arrivals:
    """What a sink received, against the addresses that each had to get one email."""

    per_address: Mapping[str, int]
    expected: frozenset[str]

    @classmethod
    def of(cls, received: Iterable[str], expected: Iterable[str]) -> Arrivals:
        return cls(dict(Counter(received)), frozenset(expected))

    @property
    def missing(self) -> list[str]:
        return sorted(a for a in self.expected if self.per_address.get(a, 0) == 0)

    @property
    def duplicates(self) -> int:
        """Emails beyond the first to an expected address."""
        return sum(n - 1 for a, n in self.per_address.items() if a in self.expected and n > 1)

    @property
    def twice(self) -> list[str]:
        return sorted(a for a, n in self.per_address.items() if n > 1)

    @property
    def unexpected(self) -> list[str]:
        return sorted(a for a in self.per_address if a not in self.expected)

    @property
    def wrong(self) -> tuple[list[str], list[str], list[str]]:
        """Who is missing, who got it twice, who got it unasked: ``NOBODY`` when every
        expected address got exactly one email."""
        return self.missing, self.twice, self.unexpected


NOBODY: tuple[list[str], list[str], list[str]] = ([], [], [])


def on_fake_time(app: Container) -> FakeClock:
    """Give ``app`` a fake clock that its waits advance: a back-off costs no wall-clock
    time."""
    clock = FakeClock()
    app.clock.override(providers.Object(clock))
    app.send_post_notifications.add_kwargs(
        sleep=providers.Object(lambda seconds: clock.advance(seconds=seconds))
    )
    return clock


def rearm(sink: DroppingSink, *, after: int, times: int) -> None:
    """Forget what the sink received; it will drop the next ``times`` connections once
    ``after`` messages have arrived."""
    sink.received.clear()
    sink.after, sink.times, sink.drops = after, times, 0


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

    def publish(self, post_id: str) -> httpx.Response:
        response: httpx.Response = self.http.post(
            f"/api/posts/{post_id}/publish", headers=self.headers
        )
        return response
