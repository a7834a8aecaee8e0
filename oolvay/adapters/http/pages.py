"""Server-rendered pages: the templates, and what every page gets (site name, CSRF token,
the signed-in editor, security headers)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import markupsafe
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from oolvay.adapters.http.csrf import BROWSER_COOKIE, SAFE_METHODS, CsrfTokens, submitted_token
from oolvay.adapters.markdown.rendering import render_markdown

SESSION_COOKIE = "oolvay_session"
TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

# Scripts and styles come only from /static: no inline script can run, whatever a post holds.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _number(value: int | float | None) -> str:
    return "\u2013" if value is None else f"{value:,}"  # an en dash: not known yet


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%d %b %Y, %H:%M UTC")


def _markdown(text: str) -> markupsafe.Markup:
    return markupsafe.Markup(render_markdown(text))  # noqa: S704 - sanitised by nh3


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=TEMPLATES)
    templates.env.filters.update(number=_number, when=_when, markdown=_markdown)
    return templates


@attrs.frozen
class Web:
    """What the pages need from the settings, built once with the app."""

    site_name: str
    csrf: CsrfTokens
    secure_cookies: bool
    """Outside development cookies are sent over HTTPS only."""
    templates: Jinja2Templates = attrs.Factory(_templates)

    def cookie(self, response: Response, name: str, value: str, *, max_age: int | None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.secure_cookies,
            httponly=True,
            samesite="lax",
        )


def web_of(request: Request) -> Web:
    web: Web = request.app.state.web
    return web


def browser_id(request: Request) -> str:
    """This browser's CSRF id: its cookie, or a new one that ``page`` sets."""
    given = request.cookies.get(BROWSER_COOKIE)
    if given:
        return given
    made: str | None = getattr(request.state, "new_browser_id", None)
    if made is None:
        made = request.state.new_browser_id = CsrfTokens.new_browser_id()
    return made


def csrf_token(request: Request) -> str:
    return web_of(request).csrf.token(browser_id(request), request.cookies.get(SESSION_COOKIE))


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the site name, the CSRF token and the signed-in editor."""
    web = web_of(request)
    response = web.templates.TemplateResponse(
        request,
        template,
        {
            "site_name": web.site_name,
            "csrf_token": csrf_token(request),
            "editor": getattr(request.state, "editor", None),
            **context,
        },
        status_code=status_code,
    )
    secure(request, response)
    return response


def secure(request: Request, response: Response) -> None:
    """Security headers, and the browser's CSRF cookie if this response made it one."""
    response.headers.update(SECURITY_HEADERS)
    made = getattr(request.state, "new_browser_id", None)
    if made is not None and BROWSER_COOKIE not in request.cookies:
        web_of(request).cookie(response, BROWSER_COOKIE, made, max_age=None)


async def verify_csrf(request: Request) -> None:
    """On every unsafe method: the form (or X-CSRF-Token header) must carry this browser's
    and this session's token."""
    if request.method in SAFE_METHODS:
        return
    web_of(request).csrf.check(
        await submitted_token(request),
        request.cookies.get(BROWSER_COOKIE),
        request.cookies.get(SESSION_COOKIE),
    )


def html_response(description: str) -> dict[str, Any]:
    """The OpenAPI description of an HTML answer."""
    return {"description": description, "content": {"text/html": {}}}
