"""An inbound SMTP listener (aiosmtpd) for a mail server that forwards returned mail to us:
``oolvay bounces serve``. It takes mail only for the bounce address and its VERP forms,
and answers 250 once the report is recorded, so the forwarding server keeps what we could
not record (451) and sends it again."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from aiosmtpd.controller import Controller

from oolvay.adapters.email.inbound import Handle

log = structlog.get_logger(__name__)

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
"""Reports carry the original (often only its headers): ten megabytes is plenty."""


class ReturnedMailSmtpHandler:
    """aiosmtpd handler: RCPT TO must be ``<local>@<domain>`` or ``<local>+...@<domain>``
    of the bounce address; DATA is read and recorded off the event loop."""

    def __init__(self, handle: Handle, *, bounce_address: str) -> None:
        self._handle = handle
        local, _, domain = bounce_address.lower().rpartition("@")
        self._local, self._domain = local, domain
        self.outcomes: list[str] = []

    async def handle_RCPT(  # noqa: N802 - the name aiosmtpd calls
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        local, _, domain = address.lower().rpartition("@")
        if domain != self._domain or local.partition("+")[0] != self._local:
            return "550 5.1.1 not a bounce address of this listener"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        recipients = tuple(envelope.rcpt_tos)
        try:
            # The use case writes to the database: not on the event loop.
            outcome = await asyncio.get_running_loop().run_in_executor(
                None, self._handle, raw, "smtp", recipients
            )
        except Exception as error:
            log.exception("Returned mail not recorded", error=repr(error))
            return "451 4.3.0 not recorded, try again later"
        self.outcomes.append(outcome)
        return "250 2.0.0 OK"


def bounce_listener(
    handle: Handle, *, bounce_address: str, host: str, port: int
) -> tuple[Controller, ReturnedMailSmtpHandler]:
    """A listener ready to ``start()`` (in a thread of its own) and ``stop()``."""
    handler = ReturnedMailSmtpHandler(handle, bounce_address=bounce_address)
    controller = Controller(
        handler,
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        # Reports come from any mail server, in any encoding: keep the bytes as sent.
        decode_data=False,
    )
    return controller, handler
