"""What the Inngest integration tests share: a container on fakes, signed requests, Sentry."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs
import inngest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

from oolvay.adapters.http.app import create_app
from oolvay.composition_root import Container, build_container
from oolvay.settings import load_settings
from tests.fakes import FakeMailer, FakeRenderer, FakeUnitOfWork
from tests.integration.inngest.servers import EventApi, accepting

APP_ID = "blog-notifications"
SIGNING_KEY = "signkey-test-" + "5a" * 32
OLD_SIGNING_KEY = "signkey-test-" + "0f" * 32
EVENT_KEY = "test-event-key"
CLOUD = {
    "OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true",
    "INNGEST_EVENT_KEY": EVENT_KEY,
    "INNGEST_SIGNING_KEY": SIGNING_KEY,
}
SEND_FN = f"{APP_ID}-send-post-notifications"
BATCH_FN = f"{APP_ID}-send-post-notifications-batch"
FAN_OUT_FN = f"{APP_ID}-send-post-notifications-fan-out"
REPORT_FN = f"{APP_ID}-generate-report"
FUNCTION_FOR = {
    "post.published": SEND_FN,
    "post.notifications.batch": BATCH_FN,
    "post.notifications.fan-out": FAN_OUT_FN,
    "report.generated": REPORT_FN,
}
"""Which function each event triggers."""


@attrs.define
class App:
    """The application on a test client, with fakes for the parts other adapters provide."""

    container: Container
    uow: FakeUnitOfWork
    mailer: FakeMailer
    http: TestClient


def an_app(
    environ: Mapping[str, str],
    *,
    mailer: FakeMailer | None = None,
    uow: FakeUnitOfWork | None = None,
) -> App:
    container = build_container(load_settings(environ))
    uow, mailer = uow or FakeUnitOfWork(), mailer or FakeMailer()
    container.uow.override(providers.Object(uow))
    container.mailer.override(providers.Object(mailer))
    container.notification_renderer.override(providers.Object(FakeRenderer()))
    return App(container, uow, mailer, TestClient(create_app(container)))


def function_failed(
    original: inngest.Event, *, fn_id: str, run_id: str, message: str
) -> inngest.Event:
    """The event Inngest sends a function's ``on_failure`` after its last retry."""
    return inngest.Event(
        name="inngest/function.failed",
        data={
            "error": {"name": "Error", "message": message},
            "event": original.model_dump(),
            "function_id": fn_id,
            "run_id": run_id,
        },
    )


def canonical_json(value: object) -> bytes:
    """JSON the way Inngest canonicalises it before signing (JCS): sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature(body: bytes, key: str, *, at: int | None = None) -> str:
    """``X-Inngest-Signature`` as Inngest computes it: HMAC-SHA256 over the canonical body
    followed by the timestamp, keyed with the signing key minus its ``signkey-<env>-``."""
    signed_at = int(time.time()) if at is None else at
    secret = re.sub(r"^signkey-\w+-", "", key).encode()
    mac = hmac.new(secret, body, hashlib.sha256)
    mac.update(str(signed_at).encode())
    return f"t={signed_at}&s={mac.hexdigest()}"


def invocation(
    event: inngest.Event,
    *,
    steps: Mapping[str, object] | None = None,
    attempt: int = 0,
    run_id: str = "01JTESTRUN",
) -> bytes:
    """The body Inngest POSTs to call a function: the event, and the steps done so far."""
    data = event.model_dump()
    done = dict(steps or {})
    return canonical_json(
        {
            "ctx": {
                "attempt": attempt,
                "disable_immediate_execution": False,
                "run_id": run_id,
                "stack": {"stack": list(done)},
            },
            "event": data,
            "events": [data],
            "steps": done,
            "use_api": False,
        }
    )


def call(
    app: App,
    body: bytes,
    *,
    fn_id: str = SEND_FN,
    key: str | None = SIGNING_KEY,
    at: int | None = None,
) -> Any:
    headers = {"content-type": "application/json"}
    if key is not None:
        headers["x-inngest-signature"] = signature(body, key, at=at)
    return app.http.post(
        "/api/inngest", params={"fnId": fn_id, "stepId": "step"}, content=body, headers=headers
    )


def run_to_completion(
    app: App, event: inngest.Event, *, key: str = SIGNING_KEY, fn_id: str = SEND_FN
) -> Any:
    """Play Inngest's part: call the function, store each step's result, call again."""
    steps: dict[str, object] = {}
    for _ in range(50):
        response = call(app, invocation(event, steps=steps), key=key, fn_id=fn_id)
        if response.status_code != 206:
            return response
        for op in response.json():
            assert "error" not in op, op
            steps[op["id"]] = {"data": op.get("data")}
    raise AssertionError("the function did not finish in 50 calls")


class CapturingTransport(Transport):
    """A real sentry_sdk transport that keeps the events instead of sending them."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        for item in envelope.items:
            event = item.get_event()
            if event is not None:
                self.events.append(dict(event))


@contextmanager
def an_app_and_event_api(
    environ: Mapping[str, str], **options: Any
) -> Iterator[tuple[App, EventApi]]:
    """An app whose Inngest client sends its events (``step.send_event`` too) to a local
    event API that keeps them."""
    with EventApi(accepting) as api:
        yield an_app({**environ, "INNGEST_BASE_URL": api.url}, **options), api


def deliver_all(
    app: App, api: EventApi, first: inngest.Event, *, key: str = SIGNING_KEY
) -> list[Any]:
    """Play Inngest's executor: run the function ``first`` triggers to completion, then the
    functions of the events its runs sent, until none is left; an event id seen before is
    dropped, as Inngest drops it. Returns the last response of each run."""
    pending: list[inngest.Event] = [first]
    seen, taken, responses = {first.id}, len(api.received), []
    while pending:
        event = pending.pop(0)
        response = run_to_completion(app, event, key=key, fn_id=FUNCTION_FOR[event.name])
        assert response.status_code == 200, response.text
        responses.append(response)
        for sent in api.received[taken:]:
            if sent["id"] not in seen:
                seen.add(sent["id"])
                pending.append(inngest.Event(name=sent["name"], data=sent["data"], id=sent["id"]))
        taken = len(api.received)
    return responses
