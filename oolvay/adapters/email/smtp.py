"""SmtpMailer: sends a batch over one SMTP connection (smtplib), one result per message."""

from __future__ import annotations

import contextlib
import enum
import ipaddress
import smtplib
import ssl
from collections.abc import Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

import attrs
import structlog

from oolvay.adapters.email.addresses import sendable_address
from oolvay.adapters.email.dkim import DkimSigner
from oolvay.adapters.email.mime import Sender, build_mime, needs_smtputf8
from oolvay.adapters.email.pool import PoolTimeout, SmtpPool
from oolvay.adapters.email.replies import is_throttling, reply_text, result_of, throttled
from oolvay.application.ports import (
    Clock,
    EmailMessage,
    MailSession,
    MailTransportUnavailable,
    SendResult,
    SendStatus,
)

log = structlog.get_logger(__name__)


class Security(enum.StrEnum):
    STARTTLS = "starttls"
    """Plain connection upgraded with STARTTLS; refused if the server does not offer it."""
    TLS = "tls"
    """TLS from the first byte (SMTPS)."""
    NONE = "none"
    """No encryption: only for a relay on this machine or a trusted network."""


_DEFAULT_PORTS = {Security.STARTTLS: 587, Security.TLS: 465, Security.NONE: 25}
_INTERNATIONAL = ("SMTPUTF8", "BODY=8BITMIME")
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@attrs.frozen
class SmtpServer:
    """Where and how to reach the mail server; read from ``SMTP_URL``."""

    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """Parse ``smtp://[user:password@]host[:port][?starttls=false]`` or ``smtps://...``.

        Raises ValueError with a message that never repeats the password.
        """
        parts = urlsplit(url.strip())
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("must start with smtp:// (STARTTLS) or smtps:// (implicit TLS)")
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise ValueError("the port must be a number from 1 to 65535") from None
        if not host:
            raise ValueError("names no host, e.g. smtp://smtp.example.com:587")
        if parts.path not in ("", "/") or parts.fragment:
            raise ValueError("takes no path or fragment after the host")
        security = Security.TLS if parts.scheme == "smtps" else Security.STARTTLS
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if name != "starttls" or parts.scheme == "smtps":
                raise ValueError(f"unknown option {name!r} (smtp:// takes only starttls)")
            if value.lower() not in _BOOLEANS:
                raise ValueError(f"starttls must be true or false, got {value!r}")
            security = Security.STARTTLS if _BOOLEANS[value.lower()] else Security.NONE
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if password is not None and not username:
            raise ValueError("has a password but no user name")
        if username and security is Security.NONE and not _is_loopback(host):
            raise ValueError("would send the password unencrypted; use starttls=true or smtps://")
        return cls(host, port or _DEFAULT_PORTS[security], security, username, password)

    def __str__(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Unavailable(Exception):
    """The connection is gone and may not be opened again in this batch."""


class _Connection:
    """The session's connection: taken from the pool at the first message, replaced at
    most once when it is lost, given back at the end."""

    def __init__(self, pool: SmtpPool) -> None:
        self._pool = pool
        self._smtp: smtplib.SMTP | None = None
        self._taken = 0
        self._lost_because: str | None = None

    def get(self) -> smtplib.SMTP:
        if self._smtp is None:
            if self._taken >= 2:
                raise _Unavailable(f"connection lost twice: {self._lost_because}")
            self._taken += 1
            try:
                self._smtp = self._pool.take()
            except smtplib.SMTPResponseException as error:
                if is_throttling(error.smtp_code, reply_text(error.smtp_code, error.smtp_error)):
                    raise throttled(error.smtp_code, error.smtp_error) from error
                raise _Unavailable(_describe_open_failure(error)) from error
            except (OSError, smtplib.SMTPException) as error:
                raise _Unavailable(_describe_open_failure(error)) from error
            except PoolTimeout as error:
                raise _Unavailable(str(error)) from error
        return self._smtp

    def lost(self, reason: str) -> None:
        self._lost_because = reason
        if self._smtp is not None:
            self._pool.discard(self._smtp)
            self._smtp = None
        log.warning("SMTP connection lost", reason=reason, reopen=self._taken < 2)

    def close(self) -> None:
        if self._smtp is not None:
            self._pool.give_back(self._smtp)
            self._smtp = None

    def abandon(self) -> None:
        """The session ended by an exception, perhaps mid-transaction: not for reuse."""
        if self._smtp is not None:
            self._pool.discard(self._smtp)
            self._smtp = None


def _describe_open_failure(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"SMTP authentication failed: {reply_text(error.smtp_code, error.smtp_error)}"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return f"SMTP server cannot do what SMTP_URL asks: {error}"
    return f"cannot open SMTP connection: {error!r}"


@attrs.frozen
class _SmtpSession:
    mailer: SmtpMailer
    connection: _Connection

    def send(self, message: EmailMessage) -> SendResult:
        return self.mailer.send_on(self.connection, message)


class SmtpMailer:
    """Implements the Mailer port over SMTP: a session is one connection, taken from the
    mailer's pool (one per server, shared by every thread of the process) and given back.

    A message refused with 5xx is REJECTED and one refused with 4xx DEFERRED; either way
    the session goes on. A server that throttles (421, 451, 454, or a 4xx saying when to try
    again) raises MailTransportUnavailable (``throttled``, with its wait): nothing more is
    sent on the session. A connection that drops is re-opened once and the message tried
    again; if it cannot be, the session raises MailTransportUnavailable too. Messages sent
    before stay SENT.
    """

    def __init__(
        self,
        server: SmtpServer,
        sender: Sender,
        clock: Clock,
        *,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        signer: DkimSigner | None = None,
        max_connections: int = 8,
        idle_seconds: float = 60.0,
    ) -> None:
        self._server = server
        self._sender = sender
        self._clock = clock
        self._timeout = timeout
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._signer = signer
        self.pool = SmtpPool(
            self._open_session, max_connections=max_connections, idle_seconds=idle_seconds
        )

    @contextlib.contextmanager
    def session(self) -> Iterator[MailSession]:
        connection = _Connection(self.pool)
        try:
            yield _SmtpSession(self, connection)
        except BaseException:
            connection.abandon()
            raise
        connection.close()

    def send_on(self, connection: _Connection, message: EmailMessage) -> SendResult:
        try:
            return self._send(connection, message)
        except MailTransportUnavailable:
            raise
        except _Unavailable as error:
            reason = f"{error} ({self._server})"
            log.error("SMTP session cut short", reason=reason)
            raise MailTransportUnavailable(reason) from error
        except Exception as error:
            # Raising would lose the results of the messages already sent.
            log.exception("SMTP send failed unexpectedly", error=repr(error))
            connection.lost(repr(error))
            return SendResult(SendStatus.DEFERRED, f"unexpected: {error!r}")

    def _send(self, connection: _Connection, message: EmailMessage) -> SendResult:
        if not message.to.isascii():
            message = attrs.evolve(message, to=sendable_address(message.to))
        try:
            data = build_mime(
                message, sender=self._sender, now=self._clock.now(), signer=self._signer
            )
        except (ValueError, TypeError) as error:
            return SendResult(SendStatus.REJECTED, f"cannot build the message: {error}")
        # An international address needs the server's SMTPUTF8; without it, smtplib
        # raises SMTPNotSupportedError before sending anything.
        options = _INTERNATIONAL if needs_smtputf8(self._sender, message) else ()
        while True:
            smtp = connection.get()
            try:
                smtp.sendmail(
                    message.return_path or self._sender.address,
                    [message.to],
                    data,
                    mail_options=options,
                )
            except smtplib.SMTPRecipientsRefused as error:
                code, text = error.recipients.get(message.to, (-1, b"recipient refused"))
                self._stop_if_throttling(connection, code, text)
                return result_of(code, text)
            except smtplib.SMTPResponseException as error:
                self._stop_if_throttling(connection, error.smtp_code, error.smtp_error)
                return result_of(error.smtp_code, error.smtp_error)
            except smtplib.SMTPNotSupportedError as error:
                return SendResult(SendStatus.REJECTED, f"the server cannot take it: {error}")
            except (smtplib.SMTPServerDisconnected, OSError) as error:
                connection.lost(repr(error))
                continue
            except UnicodeEncodeError as error:
                return SendResult(SendStatus.REJECTED, f"cannot encode the message: {error}")
            except smtplib.SMTPException as error:
                return SendResult(SendStatus.DEFERRED, repr(error))
            return SendResult(SendStatus.SENT)

    @staticmethod
    def _stop_if_throttling(connection: _Connection, code: int, text: bytes | str) -> None:
        """A server that throttles us (421, 451, 454, "try again in ...") is not asked for
        more on this session; the batch resumes after the wait."""
        if is_throttling(code, reply_text(code, text)):
            if code == 421:
                connection.lost(reply_text(code, text))  # the server closes it anyway
            raise throttled(code, text)

    def _open_session(self) -> smtplib.SMTP:
        host, port, timeout = self._server.host, self._server.port, self._timeout
        smtp: smtplib.SMTP
        if self._server.security is Security.TLS:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=self._ssl_context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            smtp.ehlo()
            if self._server.security is Security.STARTTLS:
                smtp.starttls(context=self._ssl_context)
                smtp.ehlo()
            if self._server.username:
                smtp.login(self._server.username, self._server.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp
