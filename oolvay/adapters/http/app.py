"""The FastAPI application, built from the container."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from oolvay.adapters.http.csrf import CsrfTokens
from oolvay.adapters.http.editor.routes import include_editor_app
from oolvay.adapters.http.errors import install_error_handlers
from oolvay.adapters.http.pages import STATIC, Web
from oolvay.adapters.http.routes import health, home, posts, reports, subscribers, tokens
from oolvay.composition_root import Container


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="Oolvay",
        version="0.1.0",
        description="Publish posts and notify subscribers, inline or through Inngest.",
    )
    app.state.container = container
    app.state.web = Web(
        site_name=container.config.email.from_name(),
        csrf=CsrfTokens(container.secret_key()),
        secure_cookies=container.deployment().oolvay_env != "development",
    )
    install_error_handlers(app, container.error_reporter())
    app.include_router(home.router)
    app.include_router(posts.router)
    app.include_router(tokens.router)
    app.include_router(reports.router)
    app.include_router(subscribers.router)
    app.include_router(health.router)
    include_editor_app(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    inngest_route = container.inngest_route()
    if inngest_route is not None:
        inngest_route.mount(app)

    return app
