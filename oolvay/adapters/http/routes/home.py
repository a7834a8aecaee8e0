"""``/``: the site's front page, with the latest posts."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oolvay.adapters.http.deps import ListPostsDep
from oolvay.adapters.http.pages import page
from oolvay.domain.posts import PostStatus

router = APIRouter(tags=["site"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, list_posts: ListPostsDep) -> HTMLResponse:
    latest = list_posts(status=PostStatus.PUBLISHED, limit=10, offset=0)
    return page(request, "home.html", posts=latest.posts)
