"""Emails as the use cases see them: a rendered message, and what the server made of it."""

from __future__ import annotations

import enum

import attrs


@attrs.frozen
class EmailMessage:
    """A rendered email, ready for a Mailer."""

    to: str
    subject: str
    text: str
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    """Extra headers, e.g. List-Unsubscribe."""
    return_path: str | None = None
    """The envelope sender, where bounces go: a per-recipient address (VERP), or None
    for the sender's own address."""


class SendStatus(enum.StrEnum):
    SENT = "sent"
    REJECTED = "rejected"
    """Refused for good (5xx for this address, invalid address)."""
    DEFERRED = "deferred"
    """Not sent this time (4xx for this address, connection lost); worth retrying."""


@attrs.frozen
class SendResult:
    status: SendStatus
    error: str | None = None
    code: int | None = None
    """The server's reply code, when it gave one (``550``)."""
    enhanced_code: str | None = None
    """Its enhanced status code (RFC 3463), when it gave one (``5.1.1``)."""


class MailTransportUnavailable(Exception):
    """The mail server cannot take messages now: unreachable, refusing the connection, or
    asking us to slow down. Nothing more is sent on this session; the work resumes later.

    ``retry_after`` is the server's hint in seconds, when it gave one."""

    def __init__(
        self, reason: str, *, retry_after: float | None = None, throttled: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.throttled = throttled
