"""Building a post's send view from the container's use cases."""

from __future__ import annotations

from oolvay.adapters.http.editor.sends import SendStatusView, failed_page, send_status
from oolvay.composition_root import Container
from oolvay.domain.posts import Post

FAILED_READ_AT_MOST = 1000
"""Failed recipients read for paging and filtering on the send's page."""


def send_status_of(
    c: Container,
    post: Post,
    *,
    text: str = "",
    kind: str = "",
    offset: int = 0,
    limit: int = 20,
) -> SendStatusView | None:
    """The post's send, or None when it sends nothing (a draft, or no email)."""
    if not post.is_published or not post.notifies_by_email:
        return None
    status = c.get_delivery_status(failed_limit=FAILED_READ_AT_MOST)(post.id)
    remaining = c.audience_size()(post.id)
    failures = failed_page(status.failed, text=text, kind=kind, offset=offset, limit=limit)
    return send_status(status, remaining, failures)
