"""The one place that turns a rendered EmailMessage into a MIME message, for every mailer."""

from __future__ import annotations

import email.policy
from datetime import datetime
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage as MimeMessage
from email.policy import Policy
from email.utils import format_datetime, make_msgid

import attrs

from oolvay.application.ports import EmailMessage


@attrs.frozen
class Sender:
    """Who notifications come from; from ``[email]`` in the site config."""

    address: str
    name: str = ""
    reply_to: str | None = None

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


class _LiteralHeader(UnstructuredHeader, BaseHeader):
    """A header of URIs that mail clients must read as written (RFC 2369, RFC 8058).

    The default policy turns a word longer than a line, such as a long unsubscribe URL,
    into RFC 2047 encoded words, which no client reads as a URI; this header stays on one
    line instead (well within the 998-character limit)."""

    max_count = 1

    def fold(self, *, policy: Policy) -> str:
        if not self.isascii():
            return super().fold(policy=policy)
        return f"{self.name}: {self}{policy.linesep}"


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _LiteralHeader)
_POLICY = email.policy.default.clone(header_factory=_HEADERS)


def build_mime(message: EmailMessage, *, sender: Sender, now: datetime) -> MimeMessage:
    """A multipart/alternative message (text, then HTML) with the headers of bulk mail.

    Raises ValueError (or a subclass) for a message that cannot be expressed, such as a
    header value with a line break: that message is refused, the batch goes on.
    """
    mime = MimeMessage(policy=_POLICY)
    mime["From"] = Address(display_name=sender.name, addr_spec=sender.address)
    mime["To"] = message.to
    if sender.reply_to:
        mime["Reply-To"] = sender.reply_to
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(now)
    mime["Message-ID"] = make_msgid(domain=sender.domain)
    # RFC 3834: no auto-replies (vacation notices) to this; Precedence: what most
    # receivers still read for the same purpose.
    mime["Auto-Submitted"] = "auto-generated"
    mime["Precedence"] = "bulk"
    for name, value in message.headers:
        mime[name] = value
    mime.set_content(message.text, cte=_transfer_encoding(message.text))
    if message.html is not None:
        mime.add_alternative(message.html, subtype="html", cte=_transfer_encoding(message.html))
    return mime


def _transfer_encoding(body: str) -> str:
    """7bit when it already fits; else quoted-printable, which stays readable as raw text."""
    if body.isascii() and all(len(line) <= 78 for line in body.splitlines()):
        return "7bit"
    return "quoted-printable"
