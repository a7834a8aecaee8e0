"""The FastAPI application, built from the container."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from oolvay.adapters.http.csrf import CsrfTokens
from oolvay.adapters.http.editor.routes import include_editor_app
from oolvay.adapters.http.errors import install_error_handlers, responses
from oolvay.adapters.http.pages import STATIC, Web
from oolvay.adapters.http.routes import (
    health,
    home,
    posts,
    reports,
    sends,
    subscribers,
    suppressions,
    tokens,
)
from oolvay.composition_root import Container

DOCS_ASSETS_PATH = "/docs-assets"


def create_app(container: Container) -> FastAPI:
    # The API docs (/docs, /redoc) load Swagger UI and ReDoc from a package, not a CDN, so
    # that they work without internet.
    app = FastAPIOffline(
        title="Oolvay",
        version=version("oolvay"),
        description="Publish posts and notify subscribers, inline or through Inngest.",
        static_url=DOCS_ASSETS_PATH,
        favicon_url=f"{DOCS_ASSETS_PATH}/favicon.png",
        responses=responses(500),
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
    app.include_router(sends.router)
    app.include_router(tokens.router)
    app.include_router(reports.router)
    app.include_router(reports.link_router)
    app.include_router(subscribers.router)
    app.include_router(suppressions.router)
    app.include_router(health.router)
    include_editor_app(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    inngest_route = container.inngest_route()
    if inngest_route is not None:
        inngest_route.mount(app)

    _document_only_real_errors(app)
    return app


def _document_only_real_errors(app: FastAPI) -> None:
    """Drop FastAPI's default 422 (``loc``, ``msg``, ``type``): this app never answers it.

    Every route that can answer 422 documents it in its own shape (``errors.responses``);
    FastAPI adds its default to the others, which take parameters that cannot be wrong."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    answer = operation.get("responses", {}).get("422", {})
                    if "HTTPValidationError" in str(answer):
                        del operation["responses"]["422"]
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
