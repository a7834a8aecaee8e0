"""Users, and the one rule that says who receives post emails."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from types import MappingProxyType

import attrs

from oolvay.domain.errors import InvalidEmailAddress
from oolvay.domain.ids import UserId, new_user_id
from oolvay.domain.time import require_aware

EMAIL_MAX_LENGTH = 254


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
"""ASCII dot-atom at a dotted host name: nearly every address, and one the full parser below
takes exactly as written. It costs a thousandth of that parser, which runs for every
recipient of every send."""


def parse_email_address(raw: str) -> str:
    """Return the normalised address (domain lower-cased) or raise InvalidEmailAddress."""
    candidate = raw.strip()
    if len(candidate) <= EMAIL_MAX_LENGTH and _PLAIN_ADDRESS.fullmatch(candidate):
        username, _, domain = candidate.partition("@")
        return f"{username}@{domain.lower()}"
    return _parse_any_email_address(raw, candidate)


def _parse_any_email_address(raw: str, candidate: str) -> str:
    if not candidate:
        raise InvalidEmailAddress(raw, "empty")
    if len(candidate) > EMAIL_MAX_LENGTH:
        raise InvalidEmailAddress(raw, f"longer than {EMAIL_MAX_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 for ch in candidate) or candidate.count("@") != 1:
        raise InvalidEmailAddress(raw, "expected exactly one @ and no spaces")
    try:
        address = Address(addr_spec=candidate)
    except (HeaderParseError, ValueError, IndexError) as error:
        raise InvalidEmailAddress(raw, str(error) or "malformed") from error
    if not address.username or "." not in address.domain or address.domain.startswith("."):
        raise InvalidEmailAddress(raw, "expected a user and a domain like user@example.com")
    return f"{address.username}@{address.domain.lower()}"


def email_key(address: str) -> str:
    """What makes two addresses one mailbox: the normalised address with its local part
    lower-cased too. RFC 5321 lets a server tell ``Ann`` from ``ann``; none of the large
    providers does, and two subscribers for one inbox means two emails for every post."""
    local, _, domain = address.rpartition("@")
    return f"{local.lower()}@{domain.lower()}"


def _frozen_mapping(value: Mapping[str, bool]) -> Mapping[str, bool]:
    return MappingProxyType(dict(value))


@attrs.frozen
class AudienceRule:
    """The field values a user must have to be in an audience.

    Stated as data so that the in-memory check and the database query are derived from
    the same definition and cannot drift apart.
    """

    requirements: Mapping[str, bool] = attrs.field(converter=_frozen_mapping)

    def matches(self, user: User) -> bool:
        return all(getattr(user, name) == wanted for name, wanted in self.requirements.items())


POST_EMAIL_AUDIENCE = AudienceRule(
    {"active": True, "email_verified": True, "bounced": False, "wants_post_emails": True}
)
"""Every eligible user (active, verified, not bounced) who wants post emails."""


class Standing(enum.StrEnum):
    """Where a user stands with post emails, as an editor reads the subscriber list."""

    RECEIVING = "receiving"
    """In the post-email audience."""
    UNCONFIRMED = "unconfirmed"
    """Has not confirmed the address yet."""
    UNSUBSCRIBED = "unsubscribed"
    """Confirmed, but wants no post emails."""
    SUPPRESSED = "suppressed"
    """Bounced or deactivated: never emailed, whatever they want."""


@attrs.define
class User:
    """A person with an email address: a subscriber, and perhaps an editor."""

    id: UserId
    email: str
    created_at: datetime = attrs.field(validator=require_aware)
    active: bool = True
    email_verified: bool = False
    bounced: bool = False
    wants_post_emails: bool = True
    is_editor: bool = False

    @classmethod
    def register(
        cls,
        *,
        email: str,
        now: datetime,
        email_verified: bool = False,
        wants_post_emails: bool = True,
        is_editor: bool = False,
        id: UserId | None = None,
    ) -> User:
        return cls(
            id=id or new_user_id(),
            email=parse_email_address(email),
            created_at=now,
            email_verified=email_verified,
            wants_post_emails=wants_post_emails,
            is_editor=is_editor,
        )

    @property
    def is_eligible(self) -> bool:
        """Mail may be sent to this account at all."""
        return self.active and self.email_verified and not self.bounced

    @property
    def email_key(self) -> str:
        return email_key(self.email)

    @property
    def receives_post_emails(self) -> bool:
        return POST_EMAIL_AUDIENCE.matches(self)

    @property
    def standing(self) -> Standing:
        if not self.active or self.bounced:
            return Standing.SUPPRESSED
        if not self.email_verified:
            return Standing.UNCONFIRMED
        if not self.wants_post_emails:
            return Standing.UNSUBSCRIBED
        return Standing.RECEIVING

    def unsubscribe(self) -> None:
        self.wants_post_emails = False

    def subscribe(self) -> None:
        self.wants_post_emails = True

    def verify_email(self) -> None:
        self.email_verified = True

    @property
    def is_suppressed(self) -> bool:
        """No mail goes to this address: it bounced for good, or its owner reported our
        mail as spam. ``bounced`` is the flag for both (the audience rule reads it)."""
        return self.bounced

    def mark_bounced(self) -> None:
        self.bounced = True

    def mark_complained(self) -> None:
        """The owner reported a message as spam: never mail them again unasked."""
        self.bounced = True

    def unsuppress(self) -> None:
        """An editor's decision that the address works again (a mailbox restored, a
        complaint made in error)."""
        self.bounced = False
