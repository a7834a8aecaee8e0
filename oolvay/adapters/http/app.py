"""The FastAPI application, built from the container."""

from __future__ import annotations

from fastapi import FastAPI

from oolvay.adapters.http.errors import install_error_handlers
from oolvay.adapters.http.routes import (
    health,
    posts,
    reports,
    sends,
    subscribers,
    suppressions,
    tokens,
)
from oolvay.composition_root import Container


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="Oolvay",
        version="0.1.0",
        description="Publish posts and notify subscribers, inline or through Inngest.",
    )
    app.state.container = container
    install_error_handlers(app, container.error_reporter())
    app.include_router(posts.router)
    app.include_router(sends.router)
    app.include_router(tokens.router)
    app.include_router(reports.router)
    app.include_router(subscribers.router)
    app.include_router(suppressions.router)
    app.include_router(health.router)

    inngest_route = container.inngest_route()
    if inngest_route is not None:
        inngest_route.mount(app)

    return app
