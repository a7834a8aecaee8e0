"""Posts: the list, writing and editing a draft (with a preview), publishing it."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from oolvay.adapters.http.deps import (
    CreatePostDep,
    DeleteDraftDep,
    PublishPostDep,
    UpdatePostDep,
    container_of,
)
from oolvay.adapters.http.editor.auth import SignedIn
from oolvay.adapters.http.editor.status import send_status_of
from oolvay.adapters.http.pages import page, verify_csrf
from oolvay.adapters.http.schemas import BODY_MAX_LENGTH
from oolvay.adapters.markdown.rendering import render_markdown
from oolvay.composition_root import Container
from oolvay.domain.errors import InvalidInput, PostAlreadyPublished
from oolvay.domain.ids import PostId
from oolvay.domain.posts import TITLE_MAX_LENGTH, NotificationType, Post

router = APIRouter(prefix="/editor", dependencies=[Depends(verify_csrf)], include_in_schema=False)
PAGE_SIZE = 20
Intent = Literal["save", "preview"]


def _post(c: Container, post_id: uuid.UUID) -> Post:
    return c.get_post()(PostId(post_id))


def publish_plan(c: Container, post: Post) -> dict[str, object]:
    """What publishing will do: how many emails, sent by which queue."""
    return {
        "audience": c.audience_size()() if post.notifies_by_email else 0,
        "queue": c.queue_backend(),
    }


@router.get("/posts", response_class=HTMLResponse)
def list_posts(
    request: Request,
    _editor: SignedIn,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    c = container_of(request)
    found = c.list_posts()(status=None, limit=PAGE_SIZE, offset=(page_number - 1) * PAGE_SIZE)
    rows = [(post, send_status_of(c, post)) for post in found.posts]
    return page(
        request,
        "editor/posts.html",
        rows=rows,
        total=found.total,
        page_number=page_number,
        has_next=page_number * PAGE_SIZE < found.total,
        nav="posts",
    )


@router.get("/posts/new", response_class=HTMLResponse)
def new_post(request: Request, _editor: SignedIn) -> HTMLResponse:
    return _edit_page(request, None, title="", body="", notification_type="email")


@router.post("/posts/new", response_class=HTMLResponse)
def create_post(
    request: Request,
    signed_in: SignedIn,
    create: CreatePostDep,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    notification_type: Annotated[NotificationType, Form()] = NotificationType.EMAIL,
    intent: Annotated[Intent, Form()] = "save",
) -> Response:
    errors = _check(title, body)
    if errors or intent == "preview":
        return _edit_page(
            request,
            None,
            title=title,
            body=body,
            notification_type=notification_type.value,
            errors=errors,
            preview=intent == "preview",
            status=422 if errors else 200,
        )
    post = create(
        author_id=signed_in.user.id, title=title, body=body, notification_type=notification_type
    )
    return RedirectResponse(f"/editor/posts/{post.id}?saved=1", status_code=303)


@router.get("/posts/{post_id}", response_class=HTMLResponse)
def edit_post(
    request: Request, post_id: uuid.UUID, _editor: SignedIn, saved: bool = False
) -> HTMLResponse:
    post = _post(container_of(request), post_id)
    return _edit_page(
        request,
        post,
        title=post.title,
        body=post.body,
        notification_type=post.notification_type.value,
        saved=saved,
    )


@router.post("/posts/{post_id}", response_class=HTMLResponse)
def update_post(
    request: Request,
    post_id: uuid.UUID,
    _editor: SignedIn,
    update: UpdatePostDep,
    title: Annotated[str, Form()] = "",
    body: Annotated[str, Form()] = "",
    notification_type: Annotated[NotificationType, Form()] = NotificationType.EMAIL,
    intent: Annotated[Intent, Form()] = "save",
) -> Response:
    post = _post(container_of(request), post_id)
    errors = _check(title, body)
    if not errors and intent == "save":
        try:
            update(post.id, title=title, body=body, notification_type=notification_type)
        except InvalidInput as error:
            errors = {error.field: error.message}
        else:
            return RedirectResponse(f"/editor/posts/{post.id}?saved=1", status_code=303)
    return _edit_page(
        request,
        post,
        title=title,
        body=body,
        notification_type=notification_type.value,
        errors=errors,
        preview=intent == "preview",
        status=422 if errors else 200,
    )


@router.post("/posts/{post_id}/delete")
def delete_draft(post_id: uuid.UUID, _editor: SignedIn, delete: DeleteDraftDep) -> RedirectResponse:
    delete(PostId(post_id))
    return RedirectResponse("/editor/posts?deleted=1", status_code=303)


@router.post("/preview", response_class=HTMLResponse)
def preview(
    _editor: SignedIn, body: Annotated[str, Form(max_length=BODY_MAX_LENGTH)] = ""
) -> HTMLResponse:
    """The body as readers will see it (an HTML fragment, for the editor's preview tab)."""
    return HTMLResponse(render_markdown(body), headers={"Cache-Control": "no-store"})


@router.get("/posts/{post_id}/publish", response_class=HTMLResponse)
def publish_page(request: Request, post_id: uuid.UUID, _editor: SignedIn) -> Response:
    c = container_of(request)
    post = _post(c, post_id)
    if post.is_published:
        return RedirectResponse(f"/editor/posts/{post.id}/send", status_code=303)
    plan = publish_plan(c, post)
    return page(
        request,
        "editor/publish.html",
        post=post,
        nav="posts",
        audience=plan["audience"],
        queue=plan["queue"],
    )


@router.post("/posts/{post_id}/publish")
def publish(
    request: Request, post_id: uuid.UUID, _editor: SignedIn, publish: PublishPostDep
) -> Response:
    """Publish; the inline queue sends the emails before this answers. A script (the
    publish dialog) asks for JSON and watches the send meanwhile; a plain form is
    redirected to the send's page."""
    wants_json = "application/json" in request.headers.get("accept", "")
    send_url = f"/editor/posts/{post_id}/send"
    try:
        result = publish(PostId(post_id))
    except PostAlreadyPublished:
        result = None
    except InvalidInput as error:
        if wants_json:
            return JSONResponse({"field": error.field, "message": error.message}, 422)
        post = _post(container_of(request), post_id)
        return _edit_page(
            request,
            post,
            title=post.title,
            body=post.body,
            notification_type=post.notification_type.value,
            errors={error.field: error.message},
            status=422,
        )
    target = send_url if result is None or result.dispatch else f"/editor/posts/{post_id}"
    if wants_json:
        return JSONResponse({"url": target})
    return RedirectResponse(target, status_code=303)


def _check(title: str, body: str) -> dict[str, str]:
    errors = {}
    if len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"At most {TITLE_MAX_LENGTH:,} characters ({len(title):,} now)."
    if len(body) > BODY_MAX_LENGTH:
        errors["body"] = f"At most {BODY_MAX_LENGTH:,} characters ({len(body):,} now)."
    return errors


def _edit_page(
    request: Request,
    post: Post | None,
    *,
    title: str,
    body: str,
    notification_type: str,
    errors: dict[str, str] | None = None,
    preview: bool = False,
    saved: bool = False,
    status: int = 200,
) -> HTMLResponse:
    c = container_of(request)
    plan = publish_plan(c, post) if post is not None and not post.is_published else None
    return page(
        request,
        "editor/edit.html",
        status,
        post=post,
        form={"title": title, "body": body, "notification_type": notification_type},
        errors=errors or {},
        preview=preview,
        saved=saved,
        plan=plan,
        nav="posts",
    )
