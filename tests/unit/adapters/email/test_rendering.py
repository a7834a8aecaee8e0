"""The notification templates: content, links, headers, and escaping that fits each part."""

from __future__ import annotations

import pytest

from oolvay.adapters.email.rendering import JinjaNotificationRenderer, excerpt
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.application.ports import EmailMessage
from tests.builders import a_post, a_subscriber

TOKENS = HmacUserTokens("k" * 40, purpose="unsubscribe")


def render(title: str = "Hello", body: str = "Body text") -> EmailMessage:
    renderer = JinjaNotificationRenderer(
        base_url="https://blog.example.com/", tokens=TOKENS, site_name="Oolvay"
    )
    return renderer.post_notification(a_post(title=title, body=body), a_subscriber(1))


def test_html_in_a_title_is_escaped_in_the_html_part() -> None:
    email = render(title='<script>alert("x")</script> Tom & Jerry')

    assert email.html is not None
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Tom &amp; Jerry" in email.html


def test_the_text_part_and_subject_show_the_title_as_written() -> None:
    email = render(title="<b>Tom</b> & Jerry")

    assert "<b>Tom</b> & Jerry" in email.text
    assert "&amp;" not in email.text
    assert "&lt;" not in email.text
    assert email.subject == "New post: <b>Tom</b> & Jerry"


def test_html_in_the_body_is_escaped_in_the_excerpt() -> None:
    email = render(body="<img src=x onerror=alert(1)> text")

    assert email.html is not None
    assert "<img" not in email.html
    assert "&lt;img src=x onerror=alert(1)&gt; text" in email.html


def test_a_title_with_line_breaks_makes_a_one_line_subject() -> None:
    assert render(title="Line one\r\nBcc: everyone@example.com").subject == (
        "New post: Line one Bcc: everyone@example.com"
    )


def test_the_email_links_to_the_post_and_to_a_personal_unsubscribe_page() -> None:
    post, reader = a_post(), a_subscriber(3)
    renderer = JinjaNotificationRenderer(
        base_url="https://blog.example.com/", tokens=TOKENS, site_name="Oolvay"
    )

    email = renderer.post_notification(post, reader)

    unsubscribe = f"https://blog.example.com/unsubscribe/{TOKENS.issue(reader.id)}"
    assert email.to == reader.email
    assert email.html is not None
    for body in (email.text, email.html):
        assert f"https://blog.example.com/posts/{post.id}" in body
        assert unsubscribe in body
    assert dict(email.headers) == {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_each_reader_gets_their_own_unsubscribe_link() -> None:
    renderer = JinjaNotificationRenderer(
        base_url="https://blog.example.com", tokens=TOKENS, site_name="Oolvay"
    )
    post = a_post()

    first = dict(renderer.post_notification(post, a_subscriber(1)).headers)
    second = dict(renderer.post_notification(post, a_subscriber(2)).headers)

    assert first["List-Unsubscribe"] != second["List-Unsubscribe"]


def test_readers_in_a_row_each_get_only_their_own_link_in_every_part() -> None:
    renderer = JinjaNotificationRenderer(
        base_url="https://blog.example.com", tokens=TOKENS, site_name="Oolvay"
    )
    post = a_post()

    for n in (1, 2, 3):
        email = renderer.post_notification(post, a_subscriber(n))

        own = f"/unsubscribe/{TOKENS.issue(a_subscriber(n).id)}"
        assert email.html is not None
        for body in (email.text, email.html):
            assert body.count("/unsubscribe/") == body.count(own) == 1


def test_an_edited_post_is_rendered_with_its_new_content() -> None:
    renderer = JinjaNotificationRenderer(
        base_url="https://blog.example.com", tokens=TOKENS, site_name="Oolvay"
    )
    post = a_post(title="Before")
    renderer.post_notification(post, a_subscriber(1))

    post.edit(title="After", body="New body")
    email = renderer.post_notification(post, a_subscriber(1))

    assert email.subject == "New post: After"
    assert "New body" in email.text
    assert "Before" not in email.text


def test_the_link_is_escaped_in_the_html_part_only() -> None:
    renderer = JinjaNotificationRenderer(
        base_url="https://blog.example.com/?a=1&b=2", tokens=TOKENS, site_name="Oolvay"
    )

    email = renderer.post_notification(a_post(), a_subscriber(1))

    link = f"https://blog.example.com/?a=1&b=2/unsubscribe/{TOKENS.issue(a_subscriber(1).id)}"
    assert email.html is not None
    assert link in email.text
    assert link.replace("&", "&amp;") in email.html
    assert link not in email.html


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Short  and\n\nsweet.", "Short and sweet."),
        ("word " * 100, ("word " * 56).strip() + "…"),
        ("x" * 300, "x" * 280 + "…"),
    ],
)
def test_the_excerpt_is_one_line_cut_at_a_word(body: str, expected: str) -> None:
    assert excerpt(body) == expected


def test_the_report_ready_email_links_to_the_download_and_escapes_the_title() -> None:
    from oolvay.domain.reports import Report
    from tests.builders import T0

    renderer = JinjaNotificationRenderer(
        base_url="https://blog.example.com/", tokens=TOKENS, site_name="Oolvay"
    )
    post = a_post(title="<i>Launch</i>")
    editor = a_subscriber(9)
    report = Report.request(post_id=post.id, requested_by=editor.id, now=T0)
    report.complete(rows=42, now=T0)

    email = renderer.report_ready(report, post, editor)

    url = f"https://blog.example.com/editor/reports/{report.id}/download"
    assert email.to == editor.email
    assert email.subject == "Delivery report ready: <i>Launch</i>"
    assert url in email.text
    assert "42 recipients" in email.text
    assert email.html is not None
    assert f'href="{url}"' in email.html
    assert "&lt;i&gt;Launch&lt;/i&gt;" in email.html


def test_the_body_is_markdown_rendered_safely_in_the_html_and_kept_in_the_text() -> None:
    email = render(body="Some **news**.\n\n<script>alert(1)</script>")

    assert email.html is not None
    assert "<p>Some <strong>news</strong>.</p>" in email.html
    assert "<script>" not in email.html
    assert "Some **news**." in email.text
