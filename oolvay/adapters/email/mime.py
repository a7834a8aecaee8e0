"""The one place that turns a rendered EmailMessage into the bytes of a MIME message."""

from __future__ import annotations

import binascii
import functools
import secrets
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid

import attrs

from oolvay.adapters.email.dkim import DkimSigner
from oolvay.application.ports import EmailMessage

CRLF = b"\r\n"
MAX_LINE = 998
"""RFC 5322: no line longer than this, line break excluded."""
FOLD_AT = 78
"""RFC 5322: header lines should be no longer than this."""
_LITERAL_HEADERS = frozenset({"list-unsubscribe", "feedback-id"})
"""Headers that readers must see as written: URIs for mail clients (RFC 2369, RFC 8058; a
long unsubscribe URL folded or turned into RFC 2047 encoded words is lost to every
client), and identifiers without spaces that folding would start with a line break."""


@attrs.frozen
class Sender:
    """Who notifications come from; from ``[email]`` in the site config."""

    address: str
    name: str = ""
    reply_to: str | None = None

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


def needs_smtputf8(sender: Sender, message: EmailMessage) -> bool:
    """Whether an address is international: only a server offering SMTPUTF8 can take it."""
    return not (sender.address + message.to).isascii()


def build_mime(
    message: EmailMessage,
    *,
    sender: Sender,
    now: datetime,
    linesep: bytes = CRLF,
    signer: DkimSigner | None = None,
) -> bytes:
    """A multipart/alternative message (text, then HTML) with the headers of bulk mail, as
    bytes: CRLF line breaks for SMTP, or ``linesep`` (a file on disk wants ``b"\\n"``).

    Written out directly, not through ``email.message.EmailMessage``: its header parsing,
    folding and generator cost about 1.5 ms a message, more than the SMTP exchange that
    sends it. The shape is fixed, and the standard library still does every encoding:
    RFC 2047 words and folding (``email.header``), display names (``formataddr``) and
    quoted-printable bodies (``binascii``).

    Raises ValueError (or a subclass) for a message that cannot be expressed, such as a
    header value with a line break: that message is refused, the batch goes on.

    With a ``signer``, the DKIM signatures of the finished message come first.
    """
    lines = [_from_header(sender), _raw_header("To", message.to)]
    if sender.reply_to:
        lines.append(_raw_header("Reply-To", sender.reply_to))
    lines += [
        _header("Subject", message.subject),
        _date_header(now.replace(microsecond=0)),
        _raw_header("Message-ID", make_msgid(domain=sender.domain)),
        # RFC 3834: no auto-replies (vacation notices) to this; Precedence: what most
        # receivers still read for the same purpose.
        _raw_header("Auto-Submitted", "auto-generated"),
        _raw_header("Precedence", "bulk"),
    ]
    lines += [_header(name, value) for name, value in message.headers]
    lines.append(b"MIME-Version: 1.0")
    text = _text_part("plain", message.text)
    if message.html is None:
        data = CRLF.join([*lines, *text])
    else:
        html = _text_part("html", message.html)
        boundary = _boundary(text, html)
        lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"'.encode())
        delimiter = b"--" + boundary.encode()
        data = CRLF.join([*lines, b"", delimiter, *text, delimiter, *html, delimiter + b"--", b""])
    if signer is not None:
        data = signer.signatures(data) + data
    # Every CR LF in ``data`` is a line break: bodies are split into lines (no CR is left
    # in them) and header values cannot hold one.
    return data if linesep == CRLF else data.replace(CRLF, linesep)


# The same for every message of a batch, or of a second: worth keeping (a tenth of the
# time it takes to build a message).
@functools.lru_cache(maxsize=8)
def _from_header(sender: Sender) -> bytes:
    return _raw_header("From", formataddr((sender.name, sender.address), charset="utf-8"))


@functools.lru_cache(maxsize=8)
def _date_header(now: datetime) -> bytes:
    return _raw_header("Date", format_datetime(now))


def _header(name: str, value: str) -> bytes:
    """An unstructured header: as written when it fits a line (or must stay literal),
    else folded at spaces; non-ASCII text, control characters and text that would read
    as an encoded word become RFC 2047 encoded words."""
    _check_one_line(name, value)
    plain = value.isascii() and value.isprintable() and "=?" not in value
    if plain and (name.lower() in _LITERAL_HEADERS or len(name) + len(value) + 2 <= FOLD_AT):
        return _raw_header(name, value)
    folded = Header(value, "us-ascii" if plain else "utf-8", header_name=name, maxlinelen=FOLD_AT)
    return f"{name}: ".encode() + folded.encode(linesep="\r\n").encode("ascii")


def _raw_header(name: str, value: str) -> bytes:
    """A header written as given: already encoded, or an address, which goes as UTF-8
    when it is international (SMTPUTF8, RFC 6532)."""
    _check_one_line(name, value)
    if "\0" in value:
        raise ValueError(f"the {name} header cannot hold a NUL character: {value!r}")
    line = f"{name}: {value}".encode()
    if len(line) > MAX_LINE:
        raise ValueError(f"the {name} header is longer than {MAX_LINE} characters")
    return line


def _check_one_line(name: str, value: str) -> None:
    if "\r" in value or "\n" in value:
        raise ValueError(f"the {name} header cannot hold a line break: {value!r}")


def _text_part(subtype: str, body: str) -> list[bytes]:
    """The part's header lines, a blank line and the body, with a trailing empty item so
    that joining with CRLF ends the body with a line break."""
    lines = body.encode("utf-8").splitlines()
    # 7bit when it already fits; else quoted-printable, which stays readable as raw text.
    if body.isascii() and all(len(line) <= FOLD_AT for line in lines):
        encoding, encoded = "7bit", lines
    else:
        encoding = "quoted-printable"
        encoded = binascii.b2a_qp(b"\n".join(lines), istext=True).split(b"\n")
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"'.encode(),
        f"Content-Transfer-Encoding: {encoding}".encode(),
        b"",
        *encoded,
        b"",
    ]


def _boundary(*parts: list[bytes]) -> str:
    """A random boundary that no line of the parts starts with."""
    text = b"\n".join(line for part in parts for line in part)
    while True:
        boundary = f"=_{secrets.token_hex(16)}"
        if b"--" + boundary.encode() not in text:
            return boundary
