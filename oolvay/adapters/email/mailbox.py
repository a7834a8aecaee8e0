"""MailboxMailer: writes each message as an .eml file, for development (no mail server)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from pathlib import Path

import structlog

from oolvay.adapters.email.mime import Sender, build_mime
from oolvay.application.ports import Clock, EmailMessage, SendResult, SendStatus

log = structlog.get_logger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]+")


class MailboxMailer:
    """Implements the Mailer port with files: ``<UTC time>-<n>-<recipient>-<random>.eml``.

    Names sort by the time of sending, and each file appears whole (written aside, then
    renamed), so a mail client or ``ls`` never sees half a message.
    """

    def __init__(self, directory: Path, sender: Sender, clock: Clock) -> None:
        self.directory = directory
        self._sender = sender
        self._clock = clock

    def send_batch(self, messages: Sequence[EmailMessage]) -> Sequence[SendResult]:
        results = []
        for number, message in enumerate(messages):
            now = self._clock.now()
            try:
                data = build_mime(message, sender=self._sender, now=now, linesep=b"\n")
            except (ValueError, TypeError) as error:
                results.append(
                    SendResult(SendStatus.REJECTED, f"cannot build the message: {error}")
                )
                continue
            stem = f"{now:%Y%m%dT%H%M%S.%fZ}-{number:04d}-{_UNSAFE.sub('_', message.to)[:80]}"
            try:
                path = self._write(f"{stem}-{secrets.token_hex(3)}.eml", data)
            except OSError as error:
                results.append(SendResult(SendStatus.DEFERRED, f"cannot write to mailbox: {error}"))
                continue
            log.info("Email written to the local mailbox", to=message.to, path=str(path))
            results.append(SendResult(SendStatus.SENT))
        return results

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
