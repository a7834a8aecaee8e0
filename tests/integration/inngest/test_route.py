"""/api/inngest through FastAPI's test client, with requests signed as Inngest signs them."""

import asyncio
import hashlib
import hmac
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import inngest
import pytest

from oolvay.adapters.inngest.events import BatchReady, PostPublished
from oolvay.application.ports import EmailMessage, SendResult
from oolvay.domain.posts import Post
from oolvay.domain.sends import Send, SendState
from tests.builders import T0, a_post, a_subscriber
from tests.fakes import FakeMailer
from tests.integration.inngest.support import (
    APP_ID,
    BATCH_FN,
    CLOUD,
    EVENT_KEY,
    OLD_SIGNING_KEY,
    SEND_FN,
    SIGNING_KEY,
    App,
    an_app,
    an_app_and_event_api,
    call,
    canonical_json,
    deliver_all,
    function_failed,
    invocation,
    signature,
)

READERS = 3


def given_a_post(app: App, *, published: bool = True) -> Post:
    post = a_post()
    if published:
        post.publish(T0)
    with app.uow:
        app.uow.posts.add(post)
        if published:
            app.uow.sends.add(Send.new(post.id, now=T0))
        for n in range(READERS):
            app.uow.users.add(a_subscriber(n))
        app.uow.commit()
    return post


@pytest.fixture
def app() -> App:
    return an_app(CLOUD)


def test_signed_invocations_plan_the_send_and_its_batches_email_everyone() -> None:
    with an_app_and_event_api(CLOUD) as (app, api):
        post = given_a_post(app)

        planner, *batches = deliver_all(app, api, PostPublished.create(post_id=post.id))

    assert planner.json() == {
        "status": "planned",
        "postId": str(post.id),
        "round": 0,
        "batches": 1,
        "audience": READERS,
        "events": 1,
    }
    assert [b.json()["sent"] for b in batches] == [READERS]
    assert sorted(app.mailer.recipients) == [f"reader{n}@example.com" for n in range(READERS)]
    assert api.paths == [f"/e/{EVENT_KEY}"]


def test_an_audience_of_1500_batches_through_the_route_is_emailed_once_each() -> None:
    with an_app_and_event_api({**CLOUD, "OOLVAY_NOTIFICATIONS__BATCH_SIZE": "1"}) as (app, api):
        post = a_post()
        post.publish(T0)
        with app.uow:
            app.uow.posts.add(post)
            app.uow.sends.add(Send.new(post.id, now=T0))
            for n in range(1500):
                app.uow.users.add(a_subscriber(n))
            app.uow.commit()

        planner, *batches = deliver_all(app, api, PostPublished.create(post_id=post.id))

    assert planner.json()["events"] == 1500
    assert len(batches) == 1500
    assert len(app.mailer.sent) == len(set(app.mailer.recipients)) == 1500
    with app.uow:
        assert app.uow.sends.get(post.id).finished_at is not None  # type: ignore[union-attr]


def test_an_unsigned_invocation_is_refused(app: App) -> None:
    post = given_a_post(app)

    response = call(app, invocation(PostPublished.create(post_id=post.id)), key=None)

    assert response.status_code == 401
    assert app.mailer.sent == []


def test_an_invocation_signed_with_another_key_is_refused(app: App) -> None:
    post = given_a_post(app)
    wrong = "signkey-test-" + "77" * 32

    response = call(app, invocation(PostPublished.create(post_id=post.id)), key=wrong)

    assert response.status_code == 401


def test_a_tampered_body_is_refused(app: App) -> None:
    post = given_a_post(app)
    signed = invocation(PostPublished.create(post_id=post.id))
    tampered = signed.replace(str(post.id).encode(), str(uuid.uuid4()).encode())
    headers = {"x-inngest-signature": signature(signed, SIGNING_KEY)}

    response = app.http.post(
        "/api/inngest", params={"fnId": SEND_FN}, content=tampered, headers=headers
    )

    assert response.status_code == 401


def test_a_ten_minute_old_signature_is_refused_as_a_replay(app: App) -> None:
    post = given_a_post(app)
    ten_minutes_ago = int(time.time()) - 600

    response = call(app, invocation(PostPublished.create(post_id=post.id)), at=ten_minutes_ago)

    assert response.status_code == 401
    assert "seconds old" in response.json()["error"]
    assert app.mailer.sent == []


def test_a_signature_without_a_timestamp_is_refused(app: App) -> None:
    # The SDK accepts an HMAC over the body alone when "t" is missing: one that never ages.
    post = given_a_post(app)
    body = invocation(PostPublished.create(post_id=post.id))
    secret = SIGNING_KEY.removeprefix("signkey-test-").encode()
    timeless = hmac.new(secret, body, hashlib.sha256).hexdigest()

    response = app.http.post(
        "/api/inngest",
        params={"fnId": SEND_FN},
        content=body,
        headers={"x-inngest-signature": f"s={timeless}"},
    )

    assert response.status_code == 401
    assert "no valid timestamp" in response.json()["error"]


def test_a_four_minute_old_signature_is_still_accepted(app: App) -> None:
    post = given_a_post(app)

    response = call(
        app, invocation(PostPublished.create(post_id=post.id)), at=int(time.time()) - 240
    )

    assert response.status_code in (200, 206), response.text


def test_the_fallback_signing_key_is_accepted_during_a_rotation() -> None:
    environ = {**CLOUD, "INNGEST_SIGNING_KEY_FALLBACK": OLD_SIGNING_KEY}
    with an_app_and_event_api(environ) as (app, api):
        post = given_a_post(app)

        deliver_all(app, api, PostPublished.create(post_id=post.id), key=OLD_SIGNING_KEY)

    assert len(app.mailer.sent) == READERS


def test_without_a_fallback_the_old_key_is_refused(app: App) -> None:
    post = given_a_post(app)

    response = call(app, invocation(PostPublished.create(post_id=post.id)), key=OLD_SIGNING_KEY)

    assert response.status_code == 401


def test_dev_mode_checks_no_signature() -> None:
    app = an_app({"OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true", "INNGEST_DEV": "1"})
    post = given_a_post(app)
    app.container.plan_send()(post.id)
    event = BatchReady.create(post_id=post.id, round=0, batch=0)

    unsigned = call(app, invocation(event), key=None, fn_id=BATCH_FN)
    stale = call(app, invocation(event), at=int(time.time()) - 600, fn_id=BATCH_FN)

    assert (unsigned.status_code, stale.status_code) == (200, 200)
    assert len(app.mailer.sent) == READERS


def test_the_route_exists_only_when_inngest_is_enabled() -> None:
    app = an_app({"OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "false"})

    assert app.http.get("/api/inngest").status_code == 404


def test_an_unknown_post_tells_inngest_not_to_retry(app: App) -> None:
    response = call(app, invocation(PostPublished.create(post_id=a_post().id)))

    assert response.headers["x-inngest-no-retry"] == "true"
    assert "does not exist" in response.json()["message"]


def test_an_unpublished_post_tells_inngest_not_to_retry(app: App) -> None:
    post = given_a_post(app, published=False)

    response = call(app, invocation(PostPublished.create(post_id=post.id)))

    assert response.headers["x-inngest-no-retry"] == "true"
    assert "is not published" in response.json()["message"]


def test_a_malformed_event_tells_inngest_not_to_retry(app: App) -> None:
    event = inngest.Event(name="post.published", data={"post_id": 42})

    response = call(app, invocation(event))

    assert response.headers["x-inngest-no-retry"] == "true"


class DeferringMailer(FakeMailer):
    def __init__(self) -> None:
        super().__init__(defer_sessions={0})


def test_a_batch_with_transient_failures_fails_its_run_for_a_retry() -> None:
    app = an_app(CLOUD, mailer=DeferringMailer())
    post = given_a_post(app)
    app.container.plan_send()(post.id)

    response = call(
        app, invocation(BatchReady.create(post_id=post.id, round=0, batch=0)), fn_id=BATCH_FN
    )

    assert response.status_code == 500
    assert "could not be reached" in response.json()["message"]
    assert "x-inngest-no-retry" not in response.headers


def test_an_unavailable_mail_server_asks_for_a_retry_after_the_back_off() -> None:
    app = an_app(CLOUD, mailer=FakeMailer(unavailable_sessions={0}))
    post = given_a_post(app)
    app.container.plan_send()(post.id)

    response = call(
        app, invocation(BatchReady.create(post_id=post.id, round=0, batch=0)), fn_id=BATCH_FN
    )

    assert response.status_code == 500
    assert "retry-after" in {name.lower() for name in response.headers}
    assert "mail server unreachable" in response.json()["message"]


class ThreadCheckingMailer(FakeMailer):
    """Records whether each batch was sent from a thread running an event loop."""

    def __init__(self) -> None:
        super().__init__()
        self.on_event_loop: list[bool] = []

    def deliver(self, message: EmailMessage, session: int) -> SendResult:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            self.on_event_loop.append(False)
        else:
            self.on_event_loop.append(True)
        return super().deliver(message, session)


def test_the_synchronous_worker_runs_off_the_event_loop() -> None:
    mailer = ThreadCheckingMailer()
    with an_app_and_event_api(CLOUD, mailer=mailer) as (app, api):
        post = given_a_post(app)

        deliver_all(app, api, PostPublished.create(post_id=post.id))

    assert mailer.on_event_loop
    assert not any(mailer.on_event_loop)


def test_a_planner_that_gives_up_is_reported_and_leaves_the_send_failed_for_a_resend(
    app: App, sentry_events: list[dict[str, Any]]
) -> None:
    post = given_a_post(app)
    original = PostPublished.create(post_id=post.id)
    failed = function_failed(original, fn_id=SEND_FN, run_id="run-1", message="database down")

    response = call(app, invocation(failed), fn_id=f"{SEND_FN}-failure")

    assert response.status_code == 200
    [event] = sentry_events
    assert event["fingerprint"] == ["inngest", "send-post-notifications", "failed"]
    assert event["tags"]["postId"] == str(post.id)
    assert event["contexts"]["inngest"]["runId"] == "run-1"
    status = app.container.send_status()(post.id)
    assert status.state is SendState.FAILED
    assert "database down" in (status.send.error or "")


def test_a_batch_that_gives_up_fails_its_recipients_retriable_for_a_resend(
    app: App, sentry_events: list[dict[str, Any]]
) -> None:
    post = given_a_post(app)
    app.container.plan_send()(post.id)
    original = BatchReady.create(post_id=post.id, round=0, batch=0)
    failed = function_failed(original, fn_id=BATCH_FN, run_id="run-2", message="421 busy")

    response = call(app, invocation(failed), fn_id=f"{BATCH_FN}-failure")

    assert response.status_code == 200
    [event] = sentry_events
    assert event["tags"]["batch"] == "0"
    status = app.container.send_status()(post.id)
    assert status.progress.retriable == READERS
    assert all("421 busy" in (d.error or "") for d in status.failed)


def in_band_sync(app: App) -> Any:
    body = canonical_json({"url": "https://blog.example.com/api/inngest"})
    headers = {
        "x-inngest-signature": signature(body, SIGNING_KEY),
        "x-inngest-sync-kind": "in_band",
    }
    return app.http.put("/api/inngest", content=body, headers=headers)


def test_the_route_serves_exactly_the_registered_workers(app: App) -> None:
    registered = {function.id for function in app.container.inngest_functions()}

    response = in_band_sync(app)

    assert response.status_code == 200
    served = {function["id"] for function in response.json()["functions"]}
    failure_handlers = {f"{fn_id}-failure" for fn_id in registered}
    assert served == registered | failure_handlers
    assert SEND_FN in served


def test_served_workers_carry_the_configured_retries() -> None:
    app = an_app({**CLOUD, "OOLVAY_BACKGROUND_JOBS__INNGEST__RETRIES": "7"})

    functions = {f["id"]: f for f in in_band_sync(app).json()["functions"]}

    assert functions[SEND_FN]["steps"]["step"]["retries"] == {"attempts": 7}
    assert functions[f"{SEND_FN}-failure"]["steps"]["step"]["retries"] == {"attempts": 0}


def test_the_app_id_comes_from_config() -> None:
    app = an_app({**CLOUD, "OOLVAY_BACKGROUND_JOBS__INNGEST__APP_ID": "my-blog"})

    assert in_band_sync(app).json()["app_id"] == "my-blog"
    assert APP_ID != "my-blog"


class MeetingMailer(FakeMailer):
    """Holds every session until ``expected`` of them are sending at once."""

    def __init__(self, expected: int) -> None:
        super().__init__()
        self.together = threading.Barrier(expected, timeout=30)

    def deliver(self, message: EmailMessage, session: int) -> SendResult:
        self.together.wait()
        return super().deliver(message, session)


def test_the_route_runs_as_many_batches_at_once_as_the_concurrency_allows() -> None:
    concurrency = 10  # more than the SDK's own thread pool on a small machine (CPUs + 4)
    environ = {
        **CLOUD,
        "OOLVAY_NOTIFICATIONS__CONCURRENCY": str(concurrency),
        "OOLVAY_NOTIFICATIONS__BATCH_SIZE": "1",
    }
    app = an_app(environ, mailer=MeetingMailer(concurrency))
    post = a_post()
    post.publish(T0)
    with app.uow:
        app.uow.posts.add(post)
        app.uow.sends.add(Send.new(post.id, now=T0))
        for n in range(concurrency):
            app.uow.users.add(a_subscriber(n))
        app.uow.commit()
    app.container.plan_send()(post.id)

    def batch(number: int) -> int:
        event = BatchReady.create(post_id=post.id, round=0, batch=number)
        return int(call(app, invocation(event), fn_id=BATCH_FN).status_code)

    with ThreadPoolExecutor(concurrency) as pool:
        statuses = list(pool.map(batch, range(concurrency)))

    assert statuses == [200] * concurrency
    assert len(app.mailer.sent) == concurrency
