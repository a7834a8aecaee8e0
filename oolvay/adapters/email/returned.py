"""Reading returned mail: delivery status notifications (RFC 3464, and the non-standard
bounces of older servers) with flufl.bounce, abuse reports (ARF, RFC 5965) with the
standard library's parser, which also reads what flufl.bounce does not report: the
status code, the diagnostic and the addresses a return path can be found in."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterable, Iterator, Sequence
from email.message import Message
from email.utils import getaddresses, parseaddr

from flufl.bounce import all_failures

from oolvay.application.bounces import ReturnedMail
from oolvay.domain.bounces import BounceKind

DELIVERY_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
"""Where the receiving mail server (and the report's sender) name the address the report
was sent to: with VERP, the original's return path."""
NOT_COMPLAINTS = frozenset({"not-spam"})
"""RFC 5965 feedback types that are no complaint (the reader took it out of spam)."""


def read_returned_mail(raw: bytes, *, envelope_to: Sequence[str] = ()) -> ReturnedMail | None:
    """What ``raw`` reports, or None for a message that is neither a bounce nor a
    complaint (an auto-reply, a reader's answer). ``envelope_to``: the recipients of the
    SMTP transaction that brought it, when it came by SMTP."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    feedback = _first_part(message, "message/feedback-report")
    if feedback is not None:
        return _complaint(message, feedback, envelope_to)
    temporary, permanent = all_failures(message)
    if not temporary and not permanent:
        return None
    kind = BounceKind.HARD_BOUNCE if permanent else BounceKind.SOFT_BOUNCE
    status, detail = _delivery_status(message, permanent=bool(permanent))
    return ReturnedMail(
        kind=kind,
        return_paths=_candidates(envelope_to, message, _original(message)),
        status=status,
        detail=detail,
    )


def _complaint(
    message: Message, feedback: Message, envelope_to: Sequence[str]
) -> ReturnedMail | None:
    fields = _fields(feedback)
    feedback_type = fields.get("feedback-type", "abuse").strip().lower()
    if feedback_type in NOT_COMPLAINTS:
        return None
    # RFC 5965 3.2: Original-Mail-From is the original's envelope sender, our VERP address.
    original_from = [fields["original-mail-from"]] if "original-mail-from" in fields else []
    return ReturnedMail(
        kind=BounceKind.COMPLAINT,
        return_paths=_candidates([*original_from, *envelope_to], message, _original(message)),
        status=feedback_type,
        detail=fields.get("user-agent"),
    )


def _candidates(
    first: Iterable[str], message: Message, original: Message | None
) -> tuple[str, ...]:
    found: list[str] = [parseaddr(value)[1] for value in first]
    found += [address for _, address in getaddresses(_all(message, DELIVERY_HEADERS))]
    if original is not None:
        found += [parseaddr(value)[1] for value in original.get_all("Return-Path", [])]
    return tuple(dict.fromkeys(address for address in found if "@" in address))


def _all(message: Message, names: Sequence[str]) -> list[str]:
    return [str(value) for name in names for value in message.get_all(name, [])]


def _delivery_status(message: Message, *, permanent: bool) -> tuple[str | None, str | None]:
    """The Status and Diagnostic-Code of the first recipient block of the kind reported."""
    part = _first_part(message, "message/delivery-status")
    if part is None or not part.is_multipart():
        return None, None
    wanted = ("fail", "error") if permanent else ("delayed",)
    for block in part.get_payload():
        if isinstance(block, Message) and str(block.get("Action", "")).lower().startswith(wanted):
            status = str(block.get("Status", "")).strip() or None
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split()) or None
            return status, diagnostic
    return None, None


def _original(message: Message) -> Message | None:
    """The returned original (its headers at least), where the report includes it."""
    for content_type in ("message/rfc822", "text/rfc822-headers"):
        part = _first_part(message, content_type)
        if part is None:
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            return payload[0]
        if isinstance(payload, str):
            return email.message_from_string(payload, policy=email.policy.compat32)
    return None


def _fields(part: Message) -> dict[str, str]:
    """A report part's fields (one header block), by lower-case name."""
    payload = part.get_payload()
    blocks = payload if isinstance(payload, list) else []
    fields: dict[str, str] = {}
    for block in blocks:
        if isinstance(block, Message):
            for name, value in block.items():
                fields.setdefault(name.lower(), str(value).strip())
    return fields


def _first_part(message: Message, content_type: str) -> Message | None:
    return next(_parts(message, content_type), None)


def _parts(message: Message, content_type: str) -> Iterator[Message]:
    for part in message.walk():
        if part.get_content_type() == content_type:
            yield part
