"""The editors' app: its routers, and how its pages answer errors."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from oolvay.adapters.http.csrf import CsrfRefused
from oolvay.adapters.http.editor import (
    post_routes,
    send_routes,
    session_routes,
    subscriber_routes,
    token_routes,
)
from oolvay.adapters.http.editor.auth import SignInRequired, sign_in_url
from oolvay.adapters.http.pages import page

CSRF_MESSAGE = (
    "This form has expired or did not come from this site, so nothing was done. "
    "Go back, reload the page and try again."
)


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or "application/json" in request.headers.get(
        "accept", ""
    )


def error_page(request: Request, status: int, heading: str, message: str) -> Response:
    """An error as the request wants it: JSON for scripts, a page for people."""
    if wants_json(request):
        return JSONResponse({"detail": message}, status_code=status)
    template = "editor/error.html" if request.url.path.startswith("/editor") else "message.html"
    return page(request, template, status, heading=heading, message=message)


def include_editor_app(app: FastAPI) -> None:
    for module in (session_routes, post_routes, send_routes, subscriber_routes, token_routes):
        app.include_router(module.router)

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, error: SignInRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        return RedirectResponse(sign_in_url(error.next_path), status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, _error: CsrfRefused) -> Response:
        return error_page(request, 403, "Form refused", CSRF_MESSAGE)
