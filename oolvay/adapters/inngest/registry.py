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

from oolvay.adapters.inngest import notification_workers, report_worker
from oolvay.adapters.inngest.events import JobRoute, PostPublished, ReportGenerated
from oolvay.adapters.inngest.functions import WorkerEnv
from oolvay.adapters.inngest.notification_workers import (
    fan_out_worker,
    send_batch_worker,
    send_post_notifications_worker,
)
from oolvay.adapters.inngest.report_worker import generate_report_worker

WorkerFactory = Callable[[WorkerEnv], inngest.Function[Any]]


@attrs.frozen
class Registration:
    """A served worker, and the job whose event triggers it (None for a worker that only
    other workers send events to)."""

    worker: WorkerFactory
    route: JobRoute | None = None


WORKERS: tuple[Registration, ...] = (
    Registration(send_post_notifications_worker, PostPublished.route()),
    Registration(fan_out_worker),
    Registration(send_batch_worker),
    Registration(generate_report_worker, ReportGenerated.route()),
)
WORKER_MODULES: tuple[ModuleType, ...] = (notification_workers, report_worker)


def job_routes(registrations: tuple[Registration, ...] = WORKERS) -> dict[type[Any], JobRoute]:
    """The jobs the Inngest queue can send: only those a served worker reacts to."""
    return {r.route.job: r.route for r in registrations if r.route is not None}


def build_functions(env: WorkerEnv) -> list[inngest.Function[Any]]:
    functions = [registration.worker(env) for registration in WORKERS]
    ids = [function.id for function in functions]
    duplicates = sorted({fn_id for fn_id in ids if ids.count(fn_id) > 1})
    if duplicates:
        raise ValueError(f"two workers share the Inngest function id {duplicates}")
    return functions


def defined_workers(module: ModuleType) -> set[Callable[..., Any]]:
    """Every worker factory in ``module``: a function of it that returns an inngest.Function."""
    found: set[Callable[..., Any]] = set()
    for member in vars(module).values():
        if inspect.isfunction(member) and member.__module__ == module.__name__:
            returns = typing.get_type_hints(member).get("return")
            if returns is inngest.Function or typing.get_origin(returns) is inngest.Function:
                found.add(member)
    return found


def unserved_workers(
    modules: tuple[ModuleType, ...] = WORKER_MODULES,
    registrations: tuple[Registration, ...] = WORKERS,
) -> list[str]:
    """Names of the workers defined in ``modules`` but missing from ``registrations``: they
    would never run, however many events are sent to them."""
    listed = {
        r.worker.func if isinstance(r.worker, functools.partial) else r.worker
        for r in registrations
    }
    defined = set().union(*(defined_workers(module) for module in modules))
    return sorted(worker.__name__ for worker in defined - listed)
