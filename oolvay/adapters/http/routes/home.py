"""``GET /``: the site's front page: the latest posts, and where to go from here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oolvay.adapters.http.deps import ListPostsDep
from oolvay.adapters.http.pages import page
from oolvay.domain.posts import PostStatus

router = APIRouter(tags=["site"])

EDITOR_APP_PATH = "/editor"
"""The editors' web app, where this server has one."""


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, list_posts: ListPostsDep) -> HTMLResponse:
    """The latest posts; links to the subscribe page, the editors' app and the API docs."""
    served = {getattr(route, "path", None) for route in request.app.routes}
    editor_url = EDITOR_APP_PATH if EDITOR_APP_PATH in served else None
    latest = list_posts(status=PostStatus.PUBLISHED, limit=10, offset=0)
    return page(request, "home.html", posts=latest.posts, editor_url=editor_url)
