"""Who is signed in: the session cookie, and where to go without one."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from oolvay.adapters.http.deps import container_of
from oolvay.adapters.http.pages import SESSION_COOKIE
from oolvay.application.sign_in import SessionEditor
from oolvay.domain.errors import NotAuthenticated

SIGN_IN_PATH = "/editor/sign-in"
HOME_PATH = "/editor/posts"


class SignInRequired(Exception):
    """No valid session: pages redirect to the sign-in page, JSON answers 401."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in first")
        self.next_path = next_path


def sign_in_url(next_path: str) -> str:
    return f"{SIGN_IN_PATH}?next={quote(next_path, safe='/')}"


def safe_next(next_path: str | None) -> str:
    """Where to go after signing in: only a path of this app, never another site."""
    if (
        next_path
        and next_path.startswith("/editor")
        and not next_path.startswith(("//", SIGN_IN_PATH))
        and "\\" not in next_path
    ):
        return next_path
    return HOME_PATH


def session_editor(request: Request) -> SessionEditor:
    authenticate = container_of(request).authenticate_session()
    try:
        found = authenticate(request.cookies.get(SESSION_COOKIE))
    except NotAuthenticated:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target) from None
    request.state.editor = found.user
    return found


def client_address(request: Request) -> str:
    """The client's address, as uvicorn sees it (X-Forwarded-For from a trusted proxy)."""
    return request.client.host if request.client else "unknown"


SignedIn = Annotated[SessionEditor, Depends(session_editor)]
