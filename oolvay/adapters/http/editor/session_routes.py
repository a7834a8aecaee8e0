"""Signing in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from oolvay.adapters.http.deps import SignInDep, SignOutDep, container_of
from oolvay.adapters.http.editor.auth import (
    HOME_PATH,
    SIGN_IN_PATH,
    client_address,
    safe_next,
)
from oolvay.adapters.http.pages import SESSION_COOKIE, page, secure, verify_csrf, web_of
from oolvay.domain.credentials import InvalidCredentials
from oolvay.domain.errors import NotAuthenticated, RateLimited

router = APIRouter(prefix="/editor", dependencies=[Depends(verify_csrf)], include_in_schema=False)


def _signed_in(request: Request) -> bool:
    try:
        container_of(request).authenticate_session()(request.cookies.get(SESSION_COOKIE))
    except NotAuthenticated:
        return False
    return True


@router.get("")
def editor_home() -> RedirectResponse:
    return RedirectResponse(HOME_PATH, status_code=303)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "", signed_out: bool = False) -> Response:
    if _signed_in(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return page(request, "editor/sign_in.html", next=safe_next(next), signed_out=signed_out)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    sign_in: SignInDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    again = {"next": safe_next(next), "email": email}
    try:
        signed_in = sign_in(email, password, client=client_address(request))
    except InvalidCredentials as error:
        return page(request, "editor/sign_in.html", 401, error=str(error).capitalize(), **again)
    except RateLimited as error:
        response = page(
            request,
            "editor/sign_in.html",
            429,
            error=f"Too many sign-in attempts. Wait {_duration(error.retry_after_seconds)} "
            "and try again.",
            **again,
        )
        response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response
    redirect = RedirectResponse(safe_next(next), status_code=303)
    policy = container_of(request).session_policy()
    web_of(request).cookie(
        redirect,
        SESSION_COOKIE,
        signed_in.secret,
        max_age=int(policy.max_age.total_seconds()),
    )
    secure(request, redirect)
    return redirect


@router.post("/sign-out")
def sign_out(request: Request, sign_out: SignOutDep) -> RedirectResponse:
    sign_out(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(f"{SIGN_IN_PATH}?signed_out=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    secure(request, response)
    return response


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} seconds" if seconds != 1 else "a second"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes" if minutes != 1 else "a minute"
