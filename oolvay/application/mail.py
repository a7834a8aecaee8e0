"""Sending single emails (confirmations, report notices) through the Mailer port."""

from __future__ import annotations

from collections.abc import Sequence

from oolvay.application.ports import (
    EmailMessage,
    Mailer,
    MailTransportUnavailable,
    SendResult,
    SendStatus,
)


def send_all(mailer: Mailer, messages: Sequence[EmailMessage]) -> list[SendResult]:
    """Send ``messages`` over one session, one result each: when the server becomes
    unavailable, the messages not sent yet are DEFERRED with its reason."""
    results: list[SendResult] = []
    try:
        with mailer.session() as session:
            for message in messages:
                results.append(session.send(message))
    except MailTransportUnavailable as error:
        left = len(messages) - len(results)
        results.extend([SendResult(SendStatus.DEFERRED, error.reason)] * left)
    return results


def send_one(mailer: Mailer, message: EmailMessage) -> SendResult:
    [result] = send_all(mailer, [message])
    return result
