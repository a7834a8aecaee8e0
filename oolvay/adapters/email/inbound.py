"""Where returned mail is read from: a Maildir, or an IMAP mailbox (imaplib). Each message
is read, handed to the use case, then marked seen (or deleted), so a second run skips it;
reading one twice would change nothing anyway."""

from __future__ import annotations

import collections
import imaplib
import mailbox
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import attrs
import structlog

from oolvay.adapters.email.returned import read_returned_mail
from oolvay.application.bounces import Outcome, ProcessReturnedMail

log = structlog.get_logger(__name__)

UNRECOGNISED = "unrecognised"
"""Neither a bounce nor a complaint: an auto-reply, a reader's answer."""

Handle = Callable[[bytes, str, tuple[str, ...]], str]
"""Read one message (raw bytes, source, envelope recipients); what became of it."""


@attrs.frozen
class ReturnedMailHandler:
    """One message in, one word out: an Outcome, or ``unrecognised``.

    Each message gets a use case (and so a unit of work) of its own: the SMTP listener
    records messages in several threads at once."""

    new_process: Callable[[], ProcessReturnedMail]

    def __call__(self, raw: bytes, source: str, envelope_to: tuple[str, ...] = ()) -> str:
        mail = read_returned_mail(raw, envelope_to=envelope_to)
        if mail is None:
            log.info("Returned mail not understood", source=source, size=len(raw))
            return UNRECOGNISED
        outcome: Outcome = self.new_process()(mail, source=source)
        return str(outcome)


def process_maildir(path: Path, handle: Handle, *, delete: bool = False) -> dict[str, int]:
    """Every message of the Maildir not yet seen; counts by outcome."""
    if not (path / "new").is_dir() or not (path / "cur").is_dir():
        raise FileNotFoundError(f"{path} is not a Maildir (it needs new/ and cur/)")
    box = mailbox.Maildir(path, create=False)
    counts: collections.Counter[str] = collections.Counter()
    for key in list(box.iterkeys()):  # a snapshot: marking a message moves its file
        message = box.get_message(key)
        if "S" in message.get_flags():
            continue
        counts[handle(box.get_bytes(key), "maildir", ())] += 1
        if delete:
            box.discard(key)
        else:
            message.set_subdir("cur")
            message.add_flag("S")
            box[key] = message
    return dict(counts)


@attrs.frozen
class ImapMailbox:
    """``imaps://user:password@host[:port]/MAILBOX`` (TLS), or ``imap://...`` (STARTTLS,
    or ``?starttls=false`` on this machine only); INBOX when no mailbox is named."""

    host: str
    port: int
    tls: bool
    starttls: bool
    username: str
    password: str = attrs.field(repr=False)
    mailbox: str

    @classmethod
    def from_url(cls, url: str) -> ImapMailbox:
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps"):
            raise ValueError("an IMAP mailbox URL starts with imaps:// or imap://")
        if not parts.hostname or not parts.username or parts.password is None:
            raise ValueError("an IMAP mailbox URL names a user, a password and a host")
        tls = parts.scheme == "imaps"
        starttls = not tls and parts.query != "starttls=false"
        if not tls and not starttls and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("imap:// without STARTTLS would send the password unencrypted")
        return cls(
            host=parts.hostname,
            port=parts.port or (993 if tls else 143),
            tls=tls,
            starttls=starttls,
            username=unquote(parts.username),
            password=unquote(parts.password),
            mailbox=unquote(parts.path.strip("/")) or "INBOX",
        )


def process_imap(
    where: ImapMailbox,
    handle: Handle,
    *,
    delete: bool = False,
    timeout: float = 30.0,
    ssl_context: ssl.SSLContext | None = None,
) -> dict[str, int]:
    """Every unseen message of the mailbox; counts by outcome."""
    context = ssl_context or ssl.create_default_context()
    imap: imaplib.IMAP4
    if where.tls:
        imap = imaplib.IMAP4_SSL(where.host, where.port, ssl_context=context, timeout=timeout)
    else:
        imap = imaplib.IMAP4(where.host, where.port, timeout=timeout)
        if where.starttls:
            imap.starttls(context)
    counts: collections.Counter[str] = collections.Counter()
    try:
        imap.login(where.username, where.password)
        _check(imap.select(_quoted(where.mailbox)), "select the mailbox")
        _, found = _check(imap.uid("SEARCH", "UNSEEN"), "search the mailbox")
        for uid in found[0].split():
            _, data = _check(imap.uid("FETCH", uid, "(BODY.PEEK[])"), "fetch a message")
            raw = next(item[1] for item in data if isinstance(item, tuple))
            counts[handle(raw, "imap", ())] += 1
            flag = r"\Deleted" if delete else r"\Seen"
            _check(imap.uid("STORE", uid, "+FLAGS", f"({flag})"), "mark a message")
        if delete:
            imap.expunge()
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            imap.shutdown()
    return dict(counts)


def _check(answer: tuple[str, list[Any]], doing: str) -> tuple[str, list[Any]]:
    status, data = answer
    if status != "OK":
        raise imaplib.IMAP4.error(f"the IMAP server would not {doing}: {status} {data!r}")
    return answer


def _quoted(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
