"""The one place where errors become HTTP responses. No traceback ever reaches a client."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from oolvay.adapters.http.pages import page
from oolvay.application.ports import ErrorReporter
from oolvay.domain.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
)

log = structlog.get_logger(__name__)

STATUS_BY_ERROR: Sequence[tuple[type[DomainError], int]] = (
    (NotAuthenticated, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidInput, 422),
    (RateLimited, 429),
)
HEADINGS = {403: "Not allowed", 404: "Not found", 409: "Not possible now", 422: "Not valid"}


def _is_page(request: Request) -> bool:
    """A person's page of the editors' app (not its JSON): errors come as pages there."""
    path = request.url.path
    accept = request.headers.get("accept", "")
    return path.startswith("/editor") and not path.endswith(".json") and "json" not in accept


def _page(request: Request, status: int, message: str) -> Response:
    heading = HEADINGS.get(status, "Something went wrong")
    return page(request, "editor/error.html", status, heading=heading, message=message)


def status_for(error: DomainError) -> int:
    for kind, status in STATUS_BY_ERROR:
        if isinstance(error, kind):
            return status
    return 400


def install_error_handlers(app: FastAPI, reporter: ErrorReporter) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        status = status_for(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(error, RateLimited):
            headers = {"Retry-After": str(error.retry_after_seconds)}
        if _is_page(request):
            response = _page(request, status, str(error).capitalize() + ".")
            response.headers.update(headers or {})
            return response
        body: dict[str, Any] = {"detail": str(error)}
        if isinstance(error, InvalidInput):
            body = {"detail": [{"field": error.field, "message": error.message}]}
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if _is_page(request):
            return _page(request, 422, "The request was not valid: go back and check the form.")
        problems = [
            {"field": ".".join(str(part) for part in e["loc"][1:]) or "body", "message": e["msg"]}
            for e in error.errors()
        ]
        return JSONResponse({"detail": problems}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _is_page(request) and error.status_code in HEADINGS:
            return _page(request, error.status_code, "There is no such page.")
        return JSONResponse(
            {"detail": error.detail}, status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        log.error(
            "Unhandled error", method=request.method, path=request.url.path, error=repr(error)
        )
        reporter.report(error, tags={"path": request.url.path})
        if _is_page(request):
            return _page(request, 500, "Something went wrong on our side; it has been reported.")
        return JSONResponse({"detail": "internal server error"}, status_code=500)
