"""``/api/inngest``: the SDK's FastAPI handler, behind a replay window on signed requests."""

from __future__ import annotations

import contextlib
import json
import os
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs
import inngest
import inngest.fast_api
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from oolvay.adapters.inngest.environment import InngestEnvironment

SERVE_PATH = "/api/inngest"
REPLAY_WINDOW_SECONDS = 300
SIGNATURE_HEADER = b"x-inngest-signature"


@attrs.frozen
class InngestRoute:
    """Mounts the workers on a FastAPI app (GET introspection, PUT sync, POST invocation)."""

    client: inngest.Inngest
    functions: Sequence[inngest.Function[Any]]
    environment: InngestEnvironment
    worker_threads: int
    """Threads that run the (synchronous) workers: enough for every batch the concurrency
    limit lets run at once in this process, and a planner beside them."""

    def mount(self, app: FastAPI) -> None:
        # serve_path is passed so that INNGEST_SERVE_PATH cannot move the route elsewhere;
        # serve_origin (INNGEST_SERVE_ORIGIN) is the public origin behind a proxy, which the
        # SDK otherwise takes from each request when it syncs. The SDK sizes its thread pool
        # only from INNGEST_THREAD_POOL_MAX_WORKERS (its default is min(32, CPUs + 4)): we
        # decide it, from notifications.concurrency, while serve() reads it.
        with _environment(INNGEST_THREAD_POOL_MAX_WORKERS=str(self.worker_threads)):
            inngest.fast_api.serve(
                app,
                self.client,
                list(self.functions),
                serve_origin=self.environment.serve_origin,
                serve_path=SERVE_PATH,
            )
        if self.environment.is_cloud:
            app.add_middleware(ReplayWindow, path=SERVE_PATH)


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class ReplayWindow:
    """Refuses (401) a signed request to ``path`` whose timestamp is missing or more than
    ``window`` seconds away from now.

    The SDK checks the HMAC, which covers the timestamp, but never its age: without this, a
    captured invocation could be replayed at any later time."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str,
        window: float = REPLAY_WINDOW_SECONDS,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.path = path
        self.window = window
        self.now = now

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") == self.path:
            problem = self._problem(dict(scope["headers"]).get(SIGNATURE_HEADER))
            if problem is not None:
                await _unauthorized(send, problem)
                return
        await self.app(scope, receive, send)

    def _problem(self, header: bytes | None) -> str | None:
        if header is None:
            return None  # unsigned: the SDK refuses invocations and allows only what is public
        stamps = urllib.parse.parse_qs(header.decode("latin-1")).get("t", [])
        try:
            signed_at = int(stamps[0])
        except (IndexError, ValueError):
            return "the signature carries no valid timestamp"
        if abs(self.now() - signed_at) > self.window:
            return f"the signature is more than {self.window:g} seconds old (or from the future)"
        return None


async def _unauthorized(send: Send, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
