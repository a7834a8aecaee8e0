"""HTML pages: the templates, and how a route answers with one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from oolvay.adapters.http.deps import container_of

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """The template ``name`` with the site's name, as an answer with ``status``."""
    site_name = container_of(request).config.email.from_name()
    return templates.TemplateResponse(
        request, name, {"site_name": site_name, **context}, status_code=status
    )


def html_response(description: str) -> dict[str, Any]:
    """The OpenAPI description of an HTML answer."""
    return {"description": description, "content": {"text/html": {}}}
