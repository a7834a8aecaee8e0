"""Post bodies: Markdown in, HTML that can run nothing out."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from oolvay.adapters.markdown.rendering import markdown_text, render_markdown


def test_markdown_becomes_html() -> None:
    html = render_markdown("# Title\n\n**bold** and _it_, [a link](https://example.com)\n\n- one")

    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong> and <em>it</em>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">a link</a>' in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="https://x" onclick="alert(1)">x</a>',
        "<iframe src=https://example.com></iframe>",
        "![x](javascript:alert(1))",
    ],
)
def test_nothing_in_a_body_can_run(body: str) -> None:
    elements = Elements()
    elements.feed(render_markdown(body))

    assert elements.tags <= {"p", "a", "img"}
    for tag, name, value in elements.attributes:
        assert not name.startswith("on"), (tag, name)
        if name in ("href", "src"):
            assert value.startswith(("https://", "http://", "mailto:")), (tag, value)


class Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)


def test_the_text_of_a_body_has_no_markup() -> None:
    assert markdown_text("# Hi & bye\n\n**bold** text").split() == [
        "Hi",
        "&",
        "bye",
        "bold",
        "text",
    ]
