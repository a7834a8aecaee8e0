"""MailboxMailer: writes each message as an .eml file, for development (no mail server)."""

from __future__ import annotations

import contextlib
import re
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import attrs
import structlog

from oolvay.adapters.email.dkim import DkimSigner
from oolvay.adapters.email.mime import Sender, build_mime
from oolvay.application.ports import Clock, EmailMessage, MailSession, SendResult, SendStatus

log = structlog.get_logger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]+")


class MailboxMailer:
    """Implements the Mailer port with files: ``<UTC time>-<n>-<recipient>-<random>.eml``.

    Names sort by the time of sending, and each file appears whole (written aside, then
    renamed), so a mail client or ``ls`` never sees half a message.
    """

    def __init__(
        self, directory: Path, sender: Sender, clock: Clock, *, signer: DkimSigner | None = None
    ) -> None:
        self.directory = directory
        self._sender = sender
        self._clock = clock
        self._signer = signer
        self._lock = threading.Lock()
        self._written = 0

    @contextlib.contextmanager
    def session(self) -> Iterator[MailSession]:
        yield _MailboxSession(self)

    def deliver(self, message: EmailMessage) -> SendResult:
        now = self._clock.now()
        try:
            data = build_mime(
                message, sender=self._sender, now=now, linesep=b"\n", signer=self._signer
            )
        except (ValueError, TypeError) as error:
            return SendResult(SendStatus.REJECTED, f"cannot build the message: {error}")
        with self._lock:
            number, self._written = self._written, self._written + 1
        # What the last mail server adds on delivery: where a bounce would go.
        data = f"Return-Path: <{message.return_path or self._sender.address}>\n".encode() + data
        stem = f"{now:%Y%m%dT%H%M%S.%fZ}-{number:06d}-{_UNSAFE.sub('_', message.to)[:80]}"
        try:
            path = self._write(f"{stem}-{secrets.token_hex(3)}.eml", data)
        except OSError as error:
            return SendResult(SendStatus.DEFERRED, f"cannot write to mailbox: {error}")
        log.debug("Email written to the local mailbox", to=message.to, path=str(path))
        return SendResult(SendStatus.SENT)

    def _write(self, name: str, data: bytes) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / name
        temporary = self.directory / f".{name}.tmp"
        try:
            with temporary.open("xb") as file:
                file.write(data)
            temporary.replace(final)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return final


@attrs.frozen
class _MailboxSession:
    mailer: MailboxMailer

    def send(self, message: EmailMessage) -> SendResult:
        return self.mailer.deliver(message)
