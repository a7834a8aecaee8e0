"""Subscribers' routes: subscribe (double opt-in), confirm, unsubscribe (RFC 8058).

Every answer is the same whatever the address or token, so nobody learns who subscribes.
GET pages never change anything (mail scanners follow links); only POST does."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from oolvay.adapters.http.deps import (
    ConfirmDep,
    GetPublishedPostDep,
    SubscribeDep,
    UnsubscribeDep,
)
from oolvay.adapters.http.errors import responses
from oolvay.adapters.http.pages import html_response, page, verify_csrf
from oolvay.domain.errors import InvalidEmailAddress, PostNotFound
from oolvay.domain.ids import PostId
from oolvay.domain.users import EMAIL_MAX_LENGTH

router = APIRouter(tags=["subscribers"])

FORM_EMAIL_MAX_LENGTH = 320
"""Longer input is refused before parsing, and not shown back."""
CHECK_INBOX = (
    "If the address can receive email, a confirmation link is on its way. "
    "Nothing is sent to it until the link is used."
)


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return page(request, name, status, **context)


class SubscriptionRequest(BaseModel):
    email: str = Field(max_length=320, description="The address to send new posts to.")


class SubscriptionAccepted(BaseModel):
    detail: str = CHECK_INBOX


@router.post("/api/subscriptions", status_code=202, responses=responses(422))
def subscribe_api(body: SubscriptionRequest, subscribe: SubscribeDep) -> SubscriptionAccepted:
    """Ask for post emails. A confirmation link is emailed; the same answer for any address."""
    subscribe(body.email)
    return SubscriptionAccepted()


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_page(request: Request) -> HTMLResponse:
    return _page(request, "subscribe.html")


@router.post(
    "/subscribe",
    response_class=HTMLResponse,
    dependencies=[Depends(verify_csrf)],
    responses={
        403: html_response("The form's CSRF token is missing or wrong: load the page again."),
        422: html_response("Not an email address: the form again, saying why."),
    },
)
def subscribe_form(
    request: Request,
    subscribe: SubscribeDep,
    email: Annotated[str, Form()] = "",
) -> HTMLResponse:
    # Checked here rather than by the form's validation, whose error would be JSON.
    if len(email) > FORM_EMAIL_MAX_LENGTH:
        message = f"An address has at most {EMAIL_MAX_LENGTH} characters."
        return _page(request, "subscribe.html", 422, error=message, email="")
    try:
        subscribe(email)
    except InvalidEmailAddress as error:
        return _page(request, "subscribe.html", 422, error=error.message, email=email)
    return _page(request, "message.html", heading="Check your inbox", message=CHECK_INBOX)


@router.get("/subscribe/confirm/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, token: str) -> HTMLResponse:
    return _page(
        request,
        "confirm_action.html",
        heading="Confirm your subscription",
        message="One click, and new posts come to your inbox.",
        action=request.url.path,
        button="Confirm",
    )


@router.post("/subscribe/confirm/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str, confirm: ConfirmDep) -> HTMLResponse:
    confirm(token)
    return _page(
        request,
        "message.html",
        heading="Subscribed",
        message="If the link was valid, new posts will come to your inbox.",
    )


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: str) -> HTMLResponse:
    return _page(
        request,
        "confirm_action.html",
        heading="Unsubscribe",
        message="Stop getting new posts by email?",
        action=request.url.path,
        button="Unsubscribe",
    )


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str, unsubscribe: UnsubscribeDep) -> HTMLResponse:
    """RFC 8058 one-click: a mail client POSTs ``List-Unsubscribe=One-Click`` here; the
    page's own button does the same. Unknown or used tokens get the same answer."""
    unsubscribe(token)
    return _page(
        request,
        "message.html",
        heading="Unsubscribed",
        message="You will not get new posts by email any more.",
    )


@router.get(
    "/posts/{post_id}",
    response_class=HTMLResponse,
    responses={404: html_response("No such published post.")},
)
def read_post(request: Request, post_id: str, get: GetPublishedPostDep) -> HTMLResponse:
    """The page the emails link to. Drafts and unknown ids are 404 alike."""
    try:
        post = get(PostId(uuid.UUID(post_id)))
    except (ValueError, PostNotFound):
        return _page(request, "message.html", 404, heading="Not found", message="No such post.")
    return _page(request, "post.html", post=post)
