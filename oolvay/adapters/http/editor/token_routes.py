"""API tokens of the signed-in editor: list, create (shown once), revoke."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from oolvay.adapters.http.deps import IssueTokenDep, RevokeTokenDep, container_of
from oolvay.adapters.http.editor.auth import SignedIn
from oolvay.adapters.http.pages import page, verify_csrf
from oolvay.application.editors import IssuedToken
from oolvay.domain.users import User

router = APIRouter(prefix="/editor", dependencies=[Depends(verify_csrf)], include_in_schema=False)


@router.get("/tokens", response_class=HTMLResponse)
def tokens(request: Request, signed_in: SignedIn, revoked: str = "") -> HTMLResponse:
    return _page(request, signed_in.user, revoked=revoked)


@router.post("/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    signed_in: SignedIn,
    issue: IssueTokenDep,
    name: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    label = name.strip()
    if not label or len(label) > 100:
        return _page(
            request,
            signed_in.user,
            422,
            name_error="Give it a name of 1 to 100 characters.",
            name=name,
        )
    issued = issue(signed_in.user, name=label)
    response = _page(request, signed_in.user, 201, issued=issued)
    # The secret is in this page only: no cache may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    token_id: uuid.UUID, signed_in: SignedIn, revoke: RevokeTokenDep
) -> RedirectResponse:
    token = revoke(token_id, owner=signed_in.user.id)
    return RedirectResponse(f"/editor/tokens?revoked={token.name}", status_code=303)


def _page(
    request: Request,
    user: User,
    status: int = 200,
    issued: IssuedToken | None = None,
    **context: object,
) -> HTMLResponse:
    owned = container_of(request).list_api_tokens()(user.id)
    listed = sorted(owned, key=lambda token: (token.created_at, token.id), reverse=True)
    return page(
        request, "editor/tokens.html", status, tokens=listed, issued=issued, nav="tokens", **context
    )
