"""A thin seam over ``inngest.experimental.mocked``: it is experimental, so only this module
touches it. It runs a function's steps in-process, retrying a failed step like Inngest would
(but it retries NonRetriableError too, and never runs ``on_failure``). Events a function
sends are kept, and every run's step count is measured from the memoised steps."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import inngest
from inngest._internal import step_lib
from inngest.experimental import mocked

APP_ID = "oolvay-test"


class _RecordingInngest(mocked.Inngest):
    """The mocked client, keeping the events that ``step.send_event`` sends."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent: list[inngest.Event] = []

    def send_sync(
        self, events: inngest.Event | list[inngest.Event], *, skip_middleware: bool = False
    ) -> list[str]:
        batch = events if isinstance(events, list) else [events]
        self.sent.extend(batch)
        return [event.id for event in batch]


def _step_counter(counts: list[int]) -> type[inngest.MiddlewareSync]:
    class StepCounter(inngest.MiddlewareSync):
        def transform_input(
            self,
            ctx: inngest.Context | inngest.ContextSync,
            function: inngest.Function[Any],
            steps: step_lib.StepMemos,
        ) -> None:
            counts.append(steps.size)

    return StepCounter


@functools.cache
def _client() -> tuple[_RecordingInngest, list[int]]:
    """One client for every run (making one loads the system's certificates: 70 ms)."""
    counts: list[int] = []
    client = _RecordingInngest(
        app_id=APP_ID, is_production=False, middleware=[_step_counter(counts)]
    )
    return client, counts


def mocked_client() -> inngest.Inngest:
    return mocked.Inngest(app_id=APP_ID, is_production=False)


@attrs.frozen
class Run:
    completed: bool
    output: Any
    error: Exception | None
    sent: Sequence[inngest.Event] = ()
    """The events the run sent with ``step.send_event``."""
    steps: int = 0
    """How many steps the run took."""


def run(
    function: inngest.Function[Any],
    event: inngest.Event,
    *,
    stubs: Mapping[str, object] | None = None,
) -> Run:
    """Run ``function`` for ``event`` to its end; ``stubs`` gives steps a stored result
    (as if an earlier attempt had completed them)."""
    client, counts = _client()
    client.sent.clear()
    counts.clear()
    result = mocked.trigger(function, event, client, step_stubs=dict(stubs or {}))
    return Run(
        completed=result.status is mocked.Status.COMPLETED,
        output=result.output,
        error=result.error,
        sent=list(client.sent),
        steps=max(counts, default=0),
    )
