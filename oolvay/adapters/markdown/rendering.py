"""Post bodies are Markdown; readers get HTML that can hold no script, style or frame."""

from __future__ import annotations

import functools
import html

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
        "hr", "img", "li", "ol", "p", "pre", "strong", "table", "tbody", "td", "th",
        "thead", "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"style"},
    "td": {"style"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@functools.cache
def _parser() -> MarkdownIt:
    # Raw HTML in a post is shown as text, not passed through: nh3 is a second fence.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def render_markdown(text: str) -> str:
    """The HTML of a Markdown text, sanitised: only ALLOWED_TAGS, links to http(s) and
    mailto, each with ``rel="noopener noreferrer nofollow"``."""
    return nh3.clean(
        _parser().render(text),
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )


def markdown_text(text: str) -> str:
    """What a Markdown text reads as, without its markup: for excerpts and previews."""
    return html.unescape(nh3.clean(_parser().render(text), tags=set()))
