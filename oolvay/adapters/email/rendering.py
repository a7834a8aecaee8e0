"""JinjaNotificationRenderer: the notification email from Jinja2 templates (text and HTML)."""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from email.utils import quote
from typing import Any, Protocol

import attrs
import jinja2
import markupsafe

from oolvay.adapters.markdown.rendering import markdown_text, render_markdown
from oolvay.application.ports import EmailMessage, ReturnPaths, UserTokens
from oolvay.domain.posts import Post
from oolvay.domain.reports import Report
from oolvay.domain.users import User

EXCERPT_LENGTH = 280


def excerpt(body: str, limit: int = EXCERPT_LENGTH) -> str:
    """The start of ``body`` on one line, cut at a word boundary, with an ellipsis if cut."""
    flat = " ".join(body.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,;:.-") + "…"


def unsubscribe_url(base_url: str, token: str) -> str:
    """Where the one-click unsubscribe link points: GET shows a page, POST unsubscribes."""
    return f"{base_url.rstrip('/')}/unsubscribe/{token}"


def report_download_url(base_url: str, report: Report) -> str:
    """The editors' app's download, behind the sign-in page (a browser has no API token)."""
    return f"{base_url.rstrip('/')}/editor/reports/{report.id}/download"


def post_url(base_url: str, post: Post) -> str:
    return f"{base_url.rstrip('/')}/posts/{post.id}"


class DownloadLinks(Protocol):
    """Signed links that download a report without signing in."""

    @property
    def lifetime(self) -> timedelta: ...

    def url(self, report_id: uuid.UUID) -> str: ...


@attrs.frozen
class _PostParts:
    key: tuple[object, ...]
    subject: str
    text: str
    html: str


class JinjaNotificationRenderer:
    """Implements the NotificationRenderer port with the package's templates.

    HTML templates are autoescaped; text templates and the subject are not (they are not
    HTML, so escaping would show ``&amp;`` to the reader).
    """

    def __init__(
        self,
        *,
        base_url: str,
        tokens: UserTokens,
        site_name: str,
        confirm_tokens: UserTokens | None = None,
        list_domain: str | None = None,
        return_paths: ReturnPaths | None = None,
        report_links: DownloadLinks | None = None,
    ) -> None:
        self._base_url = base_url
        self._report_links = report_links
        self._tokens = tokens
        self._confirm_tokens = confirm_tokens
        self._site_name = site_name
        self._return_paths = return_paths
        self._list_domain = list_domain
        # RFC 2919: a phrase, then an id under a domain of ours that stays the same.
        self._list_id = f'"{quote(site_name)}" <posts.{list_domain}>' if list_domain else None
        # Letters and digits, which no escaping changes, and which no post can guess.
        self._marker = f"unsubscribe{secrets.token_hex(16)}"
        self._last: _PostParts | None = None
        self._templates = jinja2.Environment(
            loader=jinja2.PackageLoader("oolvay.adapters.email", "templates"),
            autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            # The templates ship with the package: no need to stat them at every email.
            auto_reload=False,
        )

    def post_notification(self, post: Post, user: User) -> EmailMessage:
        parts = self._post_parts(post)
        unsubscribe = unsubscribe_url(self._base_url, self._tokens.issue(user.id))
        escaped = str(markupsafe.escape(unsubscribe))  # what autoescaping makes of it
        headers = [
            ("List-Unsubscribe", f"<{unsubscribe}>"),
            # RFC 8058: mail clients may unsubscribe with one POST, no page to visit.
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ]
        if self._list_id is not None:
            headers.append(("List-Id", self._list_id))
            # Gmail's feedback loop counts complaints by these fields: the post (the
            # campaign), the kind of mail, and us.
            headers.append(("Feedback-ID", f"{post.id}:posts:notification:{self._list_domain}"))
        return_path = None
        if self._return_paths is not None:
            return_path = self._return_paths.address(user.id, post.id)
        return EmailMessage(
            to=user.email,
            subject=parts.subject.replace(self._marker, unsubscribe),
            text=parts.text.replace(self._marker, unsubscribe),
            html=parts.html.replace(self._marker, escaped),
            headers=tuple(headers),
            return_path=return_path,
        )

    def _post_parts(self, post: Post) -> _PostParts:
        """The post's email with a marker for the reader's unsubscribe link, rendered once
        per post: a send renders it for every reader in a row, and only the link differs."""
        parts = self._last
        key = (post.id, post.title, post.body)
        if parts is None or parts.key != key:
            context = {
                "title": post.title,
                "excerpt": excerpt(markdown_text(post.body)),
                # Sanitised HTML, so safe to mark as such for the autoescaping template.
                "body_html": markupsafe.Markup(render_markdown(post.body)),  # noqa: S704
                "body_text": post.body.strip(),
                "post_url": post_url(self._base_url, post),
                "unsubscribe_url": self._marker,
                "site_name": self._site_name,
            }
            parts = self._last = _PostParts(
                key=key,
                # A subject is one line whatever the title holds: a line break would be refused.
                subject=" ".join(self._render("post_notification.subject.txt", context).split()),
                text=self._render("post_notification.txt", context),
                html=self._render("post_notification.html", context),
            )
        return parts

    def report_ready(self, report: Report, post: Post, user: User) -> EmailMessage:
        links = self._report_links
        context = {
            "title": post.title,
            "rows": report.row_count or 0,
            # Without signed links, the editors' app's download, behind its sign-in.
            "download_url": links.url(report.id)
            if links is not None
            else report_download_url(self._base_url, report),
            "link_days": links.lifetime.days if links is not None else None,
            "site_name": self._site_name,
        }
        subject = " ".join(self._render("report_ready.subject.txt", context).split())
        return EmailMessage(
            to=user.email,
            subject=subject,
            text=self._render("report_ready.txt", context),
            html=self._render("report_ready.html", context),
        )

    def subscription_confirmation(self, user: User) -> EmailMessage:
        if self._confirm_tokens is None:
            raise RuntimeError("this renderer was built without confirmation tokens")
        token = self._confirm_tokens.issue(user.id)
        context = {
            "confirm_url": f"{self._base_url.rstrip('/')}/subscribe/confirm/{token}",
            "site_name": self._site_name,
        }
        return EmailMessage(
            to=user.email,
            subject=" ".join(self._render("confirm.subject.txt", context).split()),
            text=self._render("confirm.txt", context),
            html=self._render("confirm.html", context),
        )

    def _render(self, name: str, context: dict[str, Any]) -> str:
        return self._templates.get_template(name).render(context)
