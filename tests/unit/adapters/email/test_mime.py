"""build_mime writes the message itself: the standard library's parser must read back exactly
what was rendered, whatever the text."""

from __future__ import annotations

import email
import email.policy
from email.headerregistry import Address
from email.message import EmailMessage as MimeMessage
from email.message import MIMEPart

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oolvay.adapters.email.mime import MAX_LINE, Sender, build_mime
from oolvay.application.ports import EmailMessage
from tests.builders import T0

SENDER = Sender(address="news@oolvay.example", name="Oolvay News")
ANY_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=400)
ONE_LINE = ANY_TEXT.map(lambda text: " ".join(text.split()))
"""As the renderer makes a subject: one line, single spaces."""
NAMES = st.text(st.characters(blacklist_categories=["Cs", "Cc", "Zl", "Zp"]), max_size=60).map(
    lambda text: " ".join(text.split())
)


def parse(data: bytes) -> MimeMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, MimeMessage)
    return message


def as_lines(body: str) -> str:
    """What a reader gets for ``body``: its lines, each ended by a line break."""
    return "".join(line.decode() + "\n" for line in body.encode().splitlines())


def content(part: MIMEPart) -> str:
    text = part.get_content()
    assert isinstance(text, str)
    return text.replace("\r\n", "\n")


@given(subject=ONE_LINE, text=ANY_TEXT, html=ANY_TEXT, name=NAMES)
def test_the_parser_reads_back_every_header_and_part_as_rendered(
    subject: str, text: str, html: str, name: str
) -> None:
    sender = Sender(address="news@oolvay.example", name=name)
    unsubscribe = "<https://blog.example.com/unsubscribe/" + "t" * 120 + ">"
    rendered = EmailMessage(
        to="reader@example.com",
        subject=subject,
        text=text,
        html=html,
        headers=(("List-Unsubscribe", unsubscribe), ("X-Note", subject)),
    )

    data = build_mime(rendered, sender=sender, now=T0)

    assert data.isascii()
    assert all(len(line) <= MAX_LINE for line in data.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")
    message = parse(data)
    assert message.defects == []
    assert message["Subject"] == subject
    assert message["X-Note"] == subject
    assert message["List-Unsubscribe"] == unsubscribe
    assert message["To"] == "reader@example.com"
    [author] = message["From"].addresses
    assert author == Address(display_name=name, addr_spec="news@oolvay.example")
    assert message.get_content_type() == "multipart/alternative"
    plain, rich = message.iter_parts()
    assert (plain.get_content_type(), rich.get_content_type()) == ("text/plain", "text/html")
    assert (plain.defects, rich.defects) == ([], [])
    assert content(plain) == as_lines(text)
    assert content(rich) == as_lines(html)


@given(text=ANY_TEXT)
def test_a_message_without_html_is_a_single_text_part(text: str) -> None:
    data = build_mime(
        EmailMessage(to="a@example.com", subject="Hi", text=text), sender=SENDER, now=T0
    )

    message = parse(data)

    assert message.get_content_type() == "text/plain"
    assert content(message) == as_lines(text)


def test_short_ascii_text_stays_readable_and_long_lines_are_folded() -> None:
    subject = "A subject long enough to need folding: " + "word " * 20
    message = EmailMessage(to="a@example.com", subject=subject.strip(), text="Hello\n")

    data = build_mime(message, sender=SENDER, now=T0)

    assert b"Content-Transfer-Encoding: 7bit\r\n\r\nHello\r\n" in data
    headers = data.split(b"\r\n\r\n")[0].split(b"\r\n")
    assert all(len(line) <= 78 for line in headers)
    assert parse(data)["Subject"] == subject.strip()


def test_the_unsubscribe_header_stays_on_one_line_however_long() -> None:
    url = "https://blog.example.com/" + "a" * 300
    message = EmailMessage(
        to="a@example.com", subject="Hi", text="x", headers=(("List-Unsubscribe", f"<{url}>"),)
    )

    data = build_mime(message, sender=SENDER, now=T0)

    assert f"\r\nList-Unsubscribe: <{url}>\r\n".encode() in data


def test_an_international_address_is_written_as_utf8() -> None:
    message = EmailMessage(to="jörg@example.com", subject="Hi", text="x")

    data = build_mime(message, sender=SENDER, now=T0)

    assert "\r\nTo: jörg@example.com\r\n".encode() in data


def test_the_mailbox_line_break_is_lf_throughout() -> None:
    message = EmailMessage(to="a@example.com", subject="Hi", text="é\n" * 3, html="<p>x</p>")

    data = build_mime(message, sender=SENDER, now=T0, linesep=b"\n")

    assert b"\r" not in data
    assert content(next(parse(data).iter_parts())) == "é\n" * 3


@pytest.mark.parametrize(
    "message",
    [
        EmailMessage(to="a@example.com", subject="two\nlines", text="x"),
        EmailMessage(to="a@example.com\r\nBcc: b@example.com", subject="Hi", text="x"),
        EmailMessage(to="a@example.com", subject="Hi", text="x", headers=(("X-A", "b\rc"),)),
        EmailMessage(to="a@example.com", subject="Hi", text="\ud800"),
    ],
    ids=["subject", "address", "extra header", "unencodable text"],
)
def test_a_message_that_cannot_be_expressed_is_refused(message: EmailMessage) -> None:
    with pytest.raises(ValueError, match=r"."):
        build_mime(message, sender=SENDER, now=T0)
