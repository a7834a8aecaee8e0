"""A worker that is defined but not registered never runs: make that a failing test."""

import functools
import inspect
import typing
from typing import Any

import inngest

from oolvay.adapters.inngest import functions
from oolvay.adapters.inngest.functions import WorkerEnv
from oolvay.adapters.inngest.registry import WORKERS, build_functions
from tests.fakes import FakeErrorReporter
from tests.unit.adapters.inngest.mocked_runs import mocked_client


def defined_workers() -> set[object]:
    """Every factory in the functions module that builds an ``inngest.Function``, and any
    ``inngest.Function`` made at module level."""
    found: set[object] = set()
    for name, member in vars(functions).items():
        if isinstance(member, inngest.Function):
            found.add(name)
        elif inspect.isfunction(member) and member.__module__ == functions.__name__:
            returns = typing.get_type_hints(member).get("return")
            if typing.get_origin(returns) is inngest.Function or returns is inngest.Function:
                found.add(member)
    return found


def registered_workers() -> set[object]:
    return {w.func if isinstance(w, functools.partial) else w for w in WORKERS}


def an_env() -> WorkerEnv:
    return WorkerEnv(
        client=mocked_client(), default_retries=3, handlers=dict, reporter=FakeErrorReporter()
    )


def test_every_worker_defined_is_registered() -> None:
    unregistered = defined_workers() - registered_workers()

    assert not unregistered, f"defined but not in registry.WORKERS: {unregistered}"


def test_the_scan_finds_the_workers() -> None:
    assert functions.send_post_notifications_worker in defined_workers()


def test_building_the_registry_gives_one_function_per_worker() -> None:
    built: list[inngest.Function[Any]] = build_functions(an_env())

    assert len(built) == len(WORKERS)
    assert "oolvay-test-send-post-notifications" in {function.id for function in built}
