"""A worker that is defined but not registered never runs: make that a failing test."""

import types
from typing import Any

import inngest

from oolvay.adapters.inngest import notification_workers, report_worker
from oolvay.adapters.inngest.events import PostPublished
from oolvay.adapters.inngest.functions import WorkerEnv
from oolvay.adapters.inngest.registry import (
    WORKERS,
    Registration,
    build_functions,
    defined_workers,
    unserved_workers,
)
from tests.fakes import FakeErrorReporter
from tests.unit.adapters.inngest.mocked_runs import mocked_client


def an_env() -> WorkerEnv:
    return WorkerEnv(
        client=mocked_client(),
        default_retries=3,
        handlers=dict,
        reporter=FakeErrorReporter(),
        plan_send=_unused,
        send_batch=_unused,
        concurrency=2,
    )


def _unused() -> Any:
    raise AssertionError("building the functions runs no handler")


def test_every_worker_defined_is_registered() -> None:
    assert unserved_workers() == [], "defined in a worker module but not in registry.WORKERS"


def test_the_scan_finds_the_workers() -> None:
    assert notification_workers.send_post_notifications_worker in defined_workers(
        notification_workers
    )
    assert notification_workers.send_batch_worker in defined_workers(notification_workers)
    assert report_worker.generate_report_worker in defined_workers(report_worker)


def test_a_worker_left_out_of_the_registry_is_found() -> None:
    module = types.ModuleType("more_workers")

    def forgotten_worker(env: WorkerEnv) -> inngest.Function[Any]:
        raise NotImplementedError

    forgotten_worker.__module__ = module.__name__
    module.forgotten_worker = forgotten_worker  # type: ignore[attr-defined]

    assert unserved_workers((module,)) == ["forgotten_worker"]
    registered = (Registration(forgotten_worker, PostPublished.route()),)
    assert unserved_workers((module,), registered) == []


def test_building_the_registry_gives_one_function_per_worker() -> None:
    built: list[inngest.Function[Any]] = build_functions(an_env())

    assert len(built) == len(WORKERS)
    assert "oolvay-test-send-post-notifications" in {function.id for function in built}
