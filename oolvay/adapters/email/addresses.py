"""Email addresses checked and normalised by email-validator: syntax and RFC 5321 lengths,
IDNA domains, unsafe characters. Never DNS: whether a domain takes mail shows when it does."""

from __future__ import annotations

import functools

from email_validator import EmailNotValidError, ValidatedEmail, validate_email

from oolvay.domain.errors import InvalidEmailAddress


def _validated(raw: str, *, test_environment: bool = False) -> ValidatedEmail:
    try:
        return validate_email(
            raw.strip(),
            check_deliverability=False,
            # Length limits of RFC 5321 (64 octets before the @), which are off by default.
            strict=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
            test_environment=test_environment,
        )
    except EmailNotValidError as error:
        raise InvalidEmailAddress(raw, str(error).rstrip(".")) from None


class EmailValidatorAddresses:
    """Implements the EmailAddresses port.

    ``UPPER@Example.ORG`` becomes ``UPPER@example.org`` and ``user@xn--bcher-kva.de``
    becomes ``user@bücher.de``: the case of the local part is kept (it is sent as given),
    and the users table compares addresses without it. A quoted local part, an IP address
    for a domain, a special-use domain (``.test``, ``.localhost``, ``.invalid``) and
    invisible characters are refused with the validator's reason."""

    def normalise(self, raw: str) -> str:
        return _validated(raw).normalized


def normalise_configured_address(raw: str) -> str:
    """A sender or Reply-To address from the settings: as for subscribers, except that the
    ``.test`` domain of development set-ups is allowed (production refuses placeholders)."""
    return _validated(raw, test_environment=True).normalized


@functools.lru_cache(maxsize=4096)
def _ascii_form(address: str) -> str | None:
    try:
        return _validated(address, test_environment=True).ascii_email
    except InvalidEmailAddress:
        return None


def sendable_address(address: str) -> str:
    """The form to send to: an international domain in its ASCII (xn--) form when the
    local part is ASCII, so that no SMTPUTF8 is needed. Plain addresses cost nothing."""
    if address.isascii():
        return address
    return _ascii_form(address) or address
