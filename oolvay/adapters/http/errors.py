"""The one place where errors become HTTP responses. No traceback ever reaches a client.

It also says, for the OpenAPI schema, what those responses look like (``responses()``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
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
REQUEST_BODY = "request body"
"""The ``field`` of a problem with the body as a whole, never to be mistaken for a post's
``body`` field."""
_NOT_AN_OBJECT = frozenset({"model_attributes_type", "model_type", "dict_type"})


class ErrorOut(BaseModel):
    detail: str = Field(description="What went wrong, for a person to read.")


class FieldProblem(BaseModel):
    field: str = Field(
        description="The field at fault (`title`, `limit`, ...), or `request body` for the "
        "body as a whole."
    )
    message: str


class ValidationErrorOut(BaseModel):
    detail: list[FieldProblem]


_DESCRIPTIONS: Mapping[int, str] = {
    401: "No bearer token, or an unknown or revoked one.",
    403: "The token's user is not an editor.",
    404: "No such resource.",
    409: "The request conflicts with the resource's current state.",
    422: "Bad input: each problem names its field.",
    429: "Too many attempts; try again after the Retry-After header's seconds.",
    500: "An unexpected error (logged and reported); no detail is given.",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI description of these error statuses, in the shapes this module answers."""
    return {
        status: {
            "model": ValidationErrorOut if status == 422 else ErrorOut,
            "description": _DESCRIPTIONS[status],
        }
        for status in statuses
    }


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


def problems_of(error: RequestValidationError) -> list[dict[str, str]]:
    """FastAPI's validation errors as ``{"field", "message"}``, worded for a person."""
    return [_problem(entry, error.body) for entry in error.errors()]


def _problem(entry: Mapping[str, Any], body: Any) -> dict[str, str]:
    location = tuple(entry["loc"])
    if entry["type"] == "json_invalid":
        return {"field": REQUEST_BODY, "message": _json_message(entry, body)}
    if location == ("body",):
        message = "a JSON object is required"
        if entry["type"] not in _NOT_AN_OBJECT | {"missing"}:
            message = entry["msg"]
        return {"field": REQUEST_BODY, "message": message}
    field = ".".join(str(part) for part in location[1:]) or str(location[0])
    return {"field": field, "message": entry["msg"]}


def _json_message(entry: Mapping[str, Any], body: Any) -> str:
    position = entry["loc"][-1]
    reason = (entry.get("ctx") or {}).get("error")
    if not isinstance(position, int) or not isinstance(body, str):
        return "invalid JSON"
    line = body.count("\n", 0, position) + 1
    column = position - body.rfind("\n", 0, position)
    return f"invalid JSON at line {line}, column {column}" + (f": {reason}" if reason else "")


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
        return JSONResponse({"detail": problems_of(error)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _is_page(request) and error.status_code in HEADINGS:
            return _page(request, error.status_code, "There is no such page.")
        if error.status_code == 400:
            # Starlette and FastAPI answer 400 for a body they cannot read (bytes that are
            # not UTF-8, a broken form); it is bad input like any other, in the same shape.
            problem = {"field": REQUEST_BODY, "message": f"cannot be read ({error.detail})"}
            return JSONResponse({"detail": [problem]}, status_code=422)
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
