"""The one list of workers: ``serve()`` gets exactly these, and a worker not listed never runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import inngest

from oolvay.adapters.inngest.functions import (
    WorkerEnv,
    generate_report_worker,
    send_post_notifications_worker,
)

WorkerFactory = Callable[[WorkerEnv], inngest.Function[Any]]

WORKERS: tuple[WorkerFactory, ...] = (send_post_notifications_worker, generate_report_worker)


def build_functions(env: WorkerEnv) -> list[inngest.Function[Any]]:
    functions = [worker(env) for worker in WORKERS]
    ids = [function.id for function in functions]
    duplicates = sorted({fn_id for fn_id in ids if ids.count(fn_id) > 1})
    if duplicates:
        raise ValueError(f"two workers share the Inngest function id {duplicates}")
    return functions
