"""The FastAPI application, built from the container."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from oolvay.composition_root import Container


def create_app(container: Container) -> FastAPI:
    app = FastAPI(title="Oolvay", version="0.1.0")
    app.state.container = container

    inngest_route = container.inngest_route()
    if inngest_route is not None:
        inngest_route.mount(app)

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"queue": container.queue_backend()}

    return app
