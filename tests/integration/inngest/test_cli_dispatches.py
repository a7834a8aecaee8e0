"""``oolvay dispatches list|retry`` against local event APIs that accept or refuse."""

import uuid
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner, Result

from oolvay.adapters.cli.app import app as cli
from oolvay.adapters.inngest.events import PostPublished, event_to_json
from oolvay.application.ports import FailedDispatch
from oolvay.domain.ids import PostId
from tests.fakes import FakeUnitOfWork
from tests.integration.inngest.servers import EventApi, accepting, error_401_json
from tests.integration.inngest.support import CLOUD, an_app

FAILED_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def given_failures(uow: FakeUnitOfWork, count: int) -> list[FailedDispatch]:
    failures = []
    with uow:
        for n in range(count):
            event = PostPublished.create(post_id=PostId(uuid.UUID(int=n + 1)))
            failure = FailedDispatch(
                id=uuid.UUID(int=100 + n),
                queue="inngest",
                job_name="send-post-notifications",
                payload=event_to_json(event),
                error="EventSendTimeout: no answer",
                failed_at=FAILED_AT.replace(minute=n),
                context={"postId": str(event.data["post_id"])},
            )
            uow.failed_dispatches.add(failure)
            failures.append(failure)
        uow.commit()
    return failures


def oolvay(api: EventApi, uow: FakeUnitOfWork, *args: str) -> Result:
    app = an_app({**CLOUD, "INNGEST_BASE_URL": api.url}, uow=uow)
    return CliRunner().invoke(cli, ["dispatches", *args], obj=app.container)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


def test_list_shows_unresolved_failures_oldest_first(uow: FakeUnitOfWork) -> None:
    first, second = given_failures(uow, 2)

    with EventApi(accepting) as api:
        result = oolvay(api, uow, "list")

    assert result.exit_code == 0
    assert result.output.index(str(first.id)) < result.output.index(str(second.id))
    assert "EventSendTimeout: no answer" in result.output
    assert api.received == []


def test_list_says_so_when_there_is_nothing(uow: FakeUnitOfWork) -> None:
    with EventApi(accepting) as api:
        result = oolvay(api, uow, "list")

    assert (result.exit_code, result.output) == (0, "No failed dispatches.\n")


def test_retry_all_resends_every_event_with_its_original_id(uow: FakeUnitOfWork) -> None:
    failures = given_failures(uow, 3)

    with EventApi(accepting) as api:
        result = oolvay(api, uow, "retry", "--all")

    assert result.exit_code == 0, result.output
    assert api.received_ids == [failure.payload["id"] for failure in failures]
    assert all(f.is_resolved for f in uow.store.failed_dispatches.values())


def test_a_retry_that_fails_again_counts_the_attempt_and_keeps_the_error(
    uow: FakeUnitOfWork,
) -> None:
    [failure] = given_failures(uow, 1)

    with EventApi(error_401_json) as api:
        result = oolvay(api, uow, "retry", str(failure.id))

    assert result.exit_code == 1
    stored = uow.store.failed_dispatches[failure.id]
    assert (stored.attempts, stored.is_resolved) == (2, False)
    assert stored.error == "SendEventsError: Event key not found"
    assert "failed again (attempt 2)" in result.output


def test_a_resolved_failure_is_not_sent_twice(uow: FakeUnitOfWork) -> None:
    [failure] = given_failures(uow, 1)

    with EventApi(accepting) as api:
        oolvay(api, uow, "retry", str(failure.id))
        again = oolvay(api, uow, "retry", str(failure.id))

    assert again.exit_code == 3
    assert len(api.received) == 1


@pytest.mark.parametrize(
    ("args", "code"),
    [((), 2), (("--all", str(uuid.uuid4())), 2), (("not-a-uuid",), 2), ((str(uuid.uuid4()),), 3)],
)
def test_retry_needs_one_known_id_or_all(
    uow: FakeUnitOfWork, args: tuple[str, ...], code: int
) -> None:
    with EventApi(accepting) as api:
        result = oolvay(api, uow, "retry", *args)

    assert result.exit_code == code
    assert api.received == []


def test_bad_inngest_settings_stop_the_command_with_a_message() -> None:
    result = CliRunner().invoke(cli, ["dispatches", "list"], env={"INNGEST_DEV": "yes"})

    assert result.exit_code == 2
    assert "INNGEST_DEV: 'yes' is not understood" in result.output


def test_retry_refuses_before_trying_where_inngest_is_not_configured(
    uow: FakeUnitOfWork,
) -> None:
    [failure] = given_failures(uow, 1)

    with EventApi(accepting) as api:
        app = an_app({"INNGEST_BASE_URL": api.url}, uow=uow)
        result = CliRunner().invoke(
            cli, ["dispatches", "retry", str(failure.id)], obj=app.container
        )

    assert result.exit_code == 2
    assert "INNGEST_EVENT_KEY" in result.output
    assert "INNGEST_DEV=1" in result.output
    assert "Traceback" not in result.output
    assert api.received == []
    assert uow.store.failed_dispatches[failure.id].attempts == 1
