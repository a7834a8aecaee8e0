"""A thin seam over ``inngest.experimental.mocked``: it is experimental, so only this module
touches it. It runs a function's steps in-process, retrying a failed step like Inngest would
(but it retries NonRetriableError too, and never runs ``on_failure``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import inngest
from inngest.experimental import mocked

APP_ID = "oolvay-test"


def mocked_client() -> inngest.Inngest:
    return mocked.Inngest(app_id=APP_ID, is_production=False)


@attrs.frozen
class Run:
    completed: bool
    output: Any
    error: Exception | None


def run(
    function: inngest.Function[Any],
    event: inngest.Event,
    *,
    stubs: Mapping[str, object] | None = None,
) -> Run:
    """Run ``function`` for ``event`` to its end; ``stubs`` gives steps a stored result
    (as if an earlier attempt had completed them)."""
    client = mocked.Inngest(app_id=APP_ID, is_production=False)
    result = mocked.trigger(function, event, client, step_stubs=dict(stubs or {}))
    return Run(
        completed=result.status is mocked.Status.COMPLETED,
        output=result.output,
        error=result.error,
    )
