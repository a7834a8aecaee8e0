"""The one list of workers: ``serve()`` gets exactly these, and a worker not listed never runs."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from types import ModuleType
from typing import Any

import attrs
import inngest

from oolvay.adapters.inngest import functions as functions_module
from oolvay.adapters.inngest.events import JobRoute, PostPublished, ReportGenerated
from oolvay.adapters.inngest.functions import (
    WorkerEnv,
    generate_report_worker,
    send_post_notifications_worker,
)

WorkerFactory = Callable[[WorkerEnv], inngest.Function[Any]]


@attrs.frozen
class Registration:
    """A served worker, and the job whose event triggers it."""

    worker: WorkerFactory
    route: JobRoute


WORKERS: tuple[Registration, ...] = (
    Registration(send_post_notifications_worker, PostPublished.route()),
    Registration(generate_report_worker, ReportGenerated.route()),
)


def job_routes(registrations: tuple[Registration, ...] = WORKERS) -> dict[type[Any], JobRoute]:
    """The jobs the Inngest queue can send: only those a served worker reacts to."""
    return {registration.route.job: registration.route for registration in registrations}


def build_functions(env: WorkerEnv) -> list[inngest.Function[Any]]:
    functions = [registration.worker(env) for registration in WORKERS]
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
    module: ModuleType = functions_module, registrations: tuple[Registration, ...] = WORKERS
) -> list[str]:
    """Names of the workers defined in ``module`` but missing from ``registrations``: they
    would never run, however many events are sent to them."""
    listed = {
        r.worker.func if isinstance(r.worker, functools.partial) else r.worker
        for r in registrations
    }
    return sorted(worker.__name__ for worker in defined_workers(module) - listed)
