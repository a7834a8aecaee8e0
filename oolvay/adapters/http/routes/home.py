"""``GET /``: what this server is, and where to go from here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oolvay.adapters.http.pages import page

router = APIRouter(tags=["pages"])

EDITOR_APP_PATH = "/editor"
"""The editors' web app, where this server has one."""


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """The front page: links to the subscribe page, the API docs and the editors' app."""
    served = {getattr(route, "path", None) for route in request.app.routes}
    editor_url = EDITOR_APP_PATH if EDITOR_APP_PATH in served else None
    return page(request, "home.html", editor_url=editor_url)
