"""/api/inngest through FastAPI's test client, with requests signed as Inngest signs them."""

import asyncio
import hashlib
import hmac
import time
import uuid
from typing import Any

import inngest
import pytest

from oolvay.adapters.inngest.events import PostPublished
from oolvay.application.ports import EmailMessage, SendResult
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.posts import Post
from tests.builders import T0, a_post, a_subscriber
from tests.fakes import FakeMailer
from tests.integration.inngest.support import (
    APP_ID,
    CLOUD,
    OLD_SIGNING_KEY,
    SEND_FN,
    SIGNING_KEY,
    App,
    an_app,
    call,
    canonical_json,
    function_failed,
    invocation,
    run_to_completion,
    signature,
)

READERS = 3


def given_a_post(app: App, *, published: bool = True) -> Post:
    post = a_post()
    if published:
        post.publish(T0)
    with app.uow:
        app.uow.posts.add(post)
        for n in range(READERS):
            app.uow.users.add(a_subscriber(n))
        app.uow.commit()
    return post


@pytest.fixture
def app() -> App:
    return an_app(CLOUD)


def test_a_signed_invocation_runs_the_worker_to_completion(app: App) -> None:
    post = given_a_post(app)

    response = run_to_completion(app, PostPublished.create(post_id=post.id))

    assert response.status_code == 200
    assert response.json() == {
        "status": "completed",
        "postId": str(post.id),
        "sent": READERS,
        "skipped": 0,
        "failed": 0,
        "retriable": 0,
    }
    assert sorted(app.mailer.recipients) == [f"reader{n}@example.com" for n in range(READERS)]


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

    assert response.status_code == 206


def test_the_fallback_signing_key_is_accepted_during_a_rotation() -> None:
    app = an_app({**CLOUD, "INNGEST_SIGNING_KEY_FALLBACK": OLD_SIGNING_KEY})
    post = given_a_post(app)

    response = run_to_completion(app, PostPublished.create(post_id=post.id), key=OLD_SIGNING_KEY)

    assert response.status_code == 200
    assert len(app.mailer.sent) == READERS


def test_without_a_fallback_the_old_key_is_refused(app: App) -> None:
    post = given_a_post(app)

    response = call(app, invocation(PostPublished.create(post_id=post.id)), key=OLD_SIGNING_KEY)

    assert response.status_code == 401


def test_dev_mode_checks_no_signature() -> None:
    app = an_app({"OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true", "INNGEST_DEV": "1"})
    post = given_a_post(app)
    event = PostPublished.create(post_id=post.id)

    unsigned = call(app, invocation(event), key=None)
    stale = call(app, invocation(event), at=int(time.time()) - 600)

    assert (unsigned.status_code, stale.status_code) == (206, 206)


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


def test_a_batch_with_transient_failures_fails_its_step_for_a_retry() -> None:
    app = an_app(CLOUD, mailer=DeferringMailer())
    post = given_a_post(app)
    event = PostPublished.create(post_id=post.id)
    check = call(app, invocation(event)).json()[0]

    response = call(app, invocation(event, steps={check["id"]: {"data": check["data"]}}))

    [op] = response.json()
    assert op["name"] == "batch-1"
    assert op["op"] == "StepError"
    assert "could not be reached" in op["error"]["message"]
    assert "x-inngest-no-retry" not in response.headers


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
    app = an_app(CLOUD, mailer=mailer)
    post = given_a_post(app)

    run_to_completion(app, PostPublished.create(post_id=post.id))

    assert mailer.on_event_loop
    assert not any(mailer.on_event_loop)


def test_on_failure_reports_to_sentry_and_fails_the_pending_deliveries(
    app: App, sentry_events: list[dict[str, Any]]
) -> None:
    post = given_a_post(app)
    with app.uow:
        app.uow.deliveries.claim(
            post.id, [a_subscriber(0).id], claimant="inngest:run-1", now=T0, stale_before=T0
        )
        app.uow.commit()
    original = PostPublished.create(post_id=post.id)
    failed = function_failed(original, fn_id=SEND_FN, run_id="run-1", message="mail server down")

    response = call(app, invocation(failed), fn_id=f"{SEND_FN}-failure")

    assert response.status_code == 200
    [event] = sentry_events
    assert event["fingerprint"] == ["inngest", "send-post-notifications", "failed"]
    assert event["tags"]["postId"] == str(post.id)
    assert event["contexts"]["inngest"]["runId"] == "run-1"
    with app.uow:
        [failure] = app.uow.deliveries.list_failed(post.id, limit=10)
        assert failure.state is DeliveryState.FAILED
        assert "mail server down" in (failure.error or "")


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
