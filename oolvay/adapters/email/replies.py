"""What an SMTP server's reply means: delivered, refused for good or for now, or a sign that
it wants us to slow down (throttling), with the wait it asks for when it says."""

from __future__ import annotations

import re

from oolvay.application.ports import MailTransportUnavailable, SendResult, SendStatus

THROTTLING_CODES = frozenset({421, 451, 454})
"""Service not available / local error / TLS or auth not available now: the server is
refusing work for a while, not this one recipient. (421 also closes the connection.)"""
_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")
_TRY_AGAIN = re.compile(
    r"try again (?:in|after) (\d+(?:\.\d+)?)\s*"
    r"(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)?\b",
    re.IGNORECASE,
)
_UNITS = {"s": 1, "m": 60, "h": 3600}


def reply_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {text}".strip()


def enhanced_code(reply: str) -> str | None:
    """The RFC 3463 code after the reply code (``550 5.1.1 ...`` -> ``5.1.1``)."""
    found = _ENHANCED.match(reply[4:]) if len(reply) > 4 else None
    return found.group(0) if found else None


def retry_after(reply: str) -> float | None:
    """The seconds a reply asks us to wait ("try again in 5 minutes"), if it says."""
    found = _TRY_AGAIN.search(reply)
    if found is None:
        return None
    unit = (found.group(2) or "s")[0].lower()
    return float(found.group(1)) * _UNITS[unit]


def is_throttling(code: int, reply: str) -> bool:
    return code in THROTTLING_CODES or (400 <= code < 500 and retry_after(reply) is not None)


def throttled(code: int, text: bytes | str) -> MailTransportUnavailable:
    reply = reply_text(code, text)
    return MailTransportUnavailable(
        f"the server asks us to slow down: {reply}", retry_after=retry_after(reply), throttled=True
    )


def result_of(code: int, text: bytes | str) -> SendResult:
    """A refusal of this one message: for good (5xx) or for now (4xx)."""
    status = SendStatus.REJECTED if 500 <= code < 600 else SendStatus.DEFERRED
    reply = reply_text(code, text)
    return SendResult(status, reply, code=code, enhanced_code=enhanced_code(reply))
