"""The one list of workers: ``serve()`` gets exactly these, and a worker not listed never runs."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from types import ModuleType
from typing import Any

import inngest

from oolvay.adapters.inngest import functions as functions_module
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


def defined_workers(module: ModuleType = functions_module) -> set[Callable[..., Any]]:
    """Every worker factory in ``module``: a function of it that returns an inngest.Function."""
    found: set[Callable[..., Any]] = set()
    for member in vars(module).values():
        if inspect.isfunction(member) and member.__module__ == module.__name__:
            returns = typing.get_type_hints(member).get("return")
            if returns is inngest.Function or typing.get_origin(returns) is inngest.Function:
                found.add(member)
    return found


def unserved_workers(
    module: ModuleType = functions_module, workers: tuple[WorkerFactory, ...] = WORKERS
) -> list[str]:
    """Names of the workers defined in ``module`` but missing from ``workers``: they would
    never run, however many events are sent to them."""
    listed = {w.func if isinstance(w, functools.partial) else w for w in workers}
    return sorted(worker.__name__ for worker in defined_workers(module) - listed)
