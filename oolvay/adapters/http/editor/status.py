"""Building a post's send view from the container's use cases."""

from __future__ import annotations

from oolvay.adapters.http.editor.sends import SendStatusView, failed_page, kind_of, send_status
from oolvay.composition_root import Container
from oolvay.domain.posts import Post


def send_status_of(
    c: Container,
    post: Post,
    *,
    text: str = "",
    kind: str = "",
    offset: int = 0,
    limit: int = 0,
) -> SendStatusView | None:
    """The post's send, with ``limit`` of its failed recipients (none by default); None when
    it sends nothing (a draft, or no email)."""
    if not post.is_published or not post.notifies_by_email:
        return None
    overview = c.send_status()(post.id)
    if not limit:
        return send_status(overview)
    chosen = kind_of(kind)
    retriable = None if not chosen else chosen == "temporary"
    search = text.strip() or None
    items, total = c.list_failed()(
        post.id, limit=limit, offset=offset, search=search, retriable=retriable
    )
    failures = failed_page(items, total, text=text, kind=chosen, offset=offset, limit=limit)
    return send_status(overview, failures)
