"""Playing Inngest's executor against the served route, failures included: signed calls,
steps stored between calls, a failed attempt retried after Inngest's backoff (or the
worker's ``Retry-After``), ``on_failure`` after the last attempt, and the events a run sends
run in turn (an event id seen before is dropped, as Inngest drops it)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import attrs
import httpx
import inngest
from fastapi.testclient import TestClient

from oolvay.adapters.inngest.events import event_from_json
from tests.integration.inngest.servers import EventApi
from tests.integration.inngest.support import (
    FUNCTION_FOR,
    SIGNING_KEY,
    canonical_json,
    function_failed,
    signature,
)

BACKOFF = [timedelta(seconds=s) for s in (15, 30, 60, 120, 300)]
"""Inngest's wait before each retry when the worker names none (its ``TableBackoff``, less
the up to 30 s of jitter it adds)."""
FAILED_STEP, ERRORED_STEP = "StepFailed", "StepError"

Wait = Callable[[timedelta], None]
"""Let this much time pass for the application (advance its clock)."""


def signed_call(http: TestClient, body: bytes, *, fn_id: str) -> httpx.Response:
    """POST ``body`` to the route as Inngest does, signed with the test signing key."""
    headers = {
        "content-type": "application/json",
        "x-inngest-signature": signature(body, SIGNING_KEY),
    }
    response: httpx.Response = http.post(
        "/api/inngest", params={"fnId": fn_id, "stepId": "step"}, content=body, headers=headers
    )
    return response


def attempt_body(
    event: inngest.Event,
    *,
    steps: dict[str, object],
    attempt: int,
    max_attempts: int,
    run_id: str,
) -> bytes:
    """The body Inngest POSTs for one attempt of a run: the event, the steps done so far."""
    data = event.model_dump()
    return canonical_json(
        {
            "ctx": {
                "attempt": attempt,
                "disable_immediate_execution": False,
                "max_attempts": max_attempts,
                "run_id": run_id,
                "stack": {"stack": list(steps)},
            },
            "event": data,
            "events": [data],
            "steps": steps,
            "use_api": False,
        }
    )


@attrs.frozen
class Run:
    fn_id: str
    event: inngest.Event
    completed: bool
    output: Any
    """The function's result when it completed, else its last error."""
    attempts: int
    on_failure: httpx.Response | None = None
    """The answer of ``on_failure``, which Inngest calls once after the last attempt."""


@attrs.define
class InngestPlayer:
    """Inngest's part, against the application's served route on ``http``."""

    http: TestClient
    retries: int
    """Every worker's retries (the default of ``background_jobs.inngest.retries``)."""
    wait: Wait
    _run_ids: Iterator[int] = attrs.field(factory=count)

    def run(
        self,
        event: inngest.Event,
        fn_id: str | None = None,
        *,
        attempt: int = 0,
        run_id: str | None = None,
        before_on_failure: Callable[[], None] = lambda: None,
    ) -> Run:
        """One run of the function ``event`` triggers, to its end: completed, or failed
        after its last attempt; then ``before_on_failure`` (what happens meanwhile) and
        ``on_failure``. ``attempt`` and ``run_id`` continue a run that an earlier attempt
        began."""
        fn_id = fn_id or FUNCTION_FOR[event.name]
        run_id = run_id or f"01JFAULTRUN{next(self._run_ids)}"
        steps: dict[str, object] = {}
        attempts = 0
        while True:
            attempts += 1
            body = attempt_body(
                event, steps=steps, attempt=attempt, max_attempts=self.retries + 1, run_id=run_id
            )
            asked = datetime.now(UTC)
            response = signed_call(self.http, body, fn_id=fn_id)
            if response.status_code == 200:
                return Run(fn_id, event, True, response.json(), attempts)
            failed = _failure(response)
            if failed is None:
                for op in response.json():
                    steps[op["id"]] = {"data": op.get("data")}
                attempt = 0  # a step that completes resets the count, as Inngest does
                continue
            final, error = failed
            if final or attempt >= self.retries:
                before_on_failure()
                on_failure = self._fail(event, fn_id, run_id, error)
                return Run(fn_id, event, False, error, attempts, on_failure)
            delay = _retry_after(response, asked)
            self.wait(BACKOFF[min(attempt, len(BACKOFF) - 1)] if delay is None else delay)
            attempt += 1

    def deliver(self, first: inngest.Event, api: EventApi) -> list[Run]:
        """Run ``first``'s function, then the functions of the events its runs sent, until
        none is left."""
        pending, seen, taken, runs = [first], {first.id}, len(api.received), []
        while pending:
            runs.append(self.run(pending.pop(0)))
            for sent in api.received[taken:]:
                if sent["id"] not in seen:
                    seen.add(sent["id"])
                    pending.append(event_from_json(sent))
            taken = len(api.received)
        return runs

    def _fail(self, event: inngest.Event, fn_id: str, run_id: str, error: Any) -> httpx.Response:
        failure = function_failed(event, fn_id=fn_id, run_id=run_id, message=str(error))
        body = attempt_body(failure, steps={}, attempt=0, max_attempts=1, run_id=f"{run_id}F")
        return signed_call(self.http, body, fn_id=f"{fn_id}-failure")


def _failure(response: httpx.Response) -> tuple[bool, Any] | None:
    """None when the call made progress; else whether the failure is final, and the error."""
    if response.status_code == 500:
        return response.headers.get("x-inngest-no-retry") == "true", response.json()
    assert response.status_code == 206, (response.status_code, response.text)
    for op in response.json():
        if op.get("op") == FAILED_STEP:
            return True, op.get("error")
        if op.get("op") == ERRORED_STEP:
            return False, op.get("error")
    return None


def _retry_after(response: httpx.Response, asked: datetime) -> timedelta | None:
    """The delay the worker asked for, at least. The header is a time by the real clock,
    the worker's raise plus the delay; the call went out at ``asked``, before the raise, so
    the header less ``asked``, rounded up to the whole seconds the workers ask for, is never
    short of the delay (however long the test took meanwhile: the application's clock is
    fake), and late by no more than a real scheduler might be."""
    header = response.headers.get("retry-after")
    if header is None:
        return None
    left = datetime.fromisoformat(header.replace("Z", "+00:00")) - asked
    return timedelta(seconds=max(0, math.ceil(left.total_seconds())))
