"""Addresses as email-validator reads them: one spelling per mailbox, refusals with a reason."""

from __future__ import annotations

import pytest

from oolvay.adapters.email.addresses import (
    EmailValidatorAddresses,
    normalise_configured_address,
    sendable_address,
)
from oolvay.domain.errors import InvalidEmailAddress
from oolvay.domain.users import email_key

addresses = EmailValidatorAddresses()


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("UPPER@Example.ORG", "UPPER@example.org"),
        ("  reader@example.com ", "reader@example.com"),
        ("user@xn--bcher-kva.de", "user@bücher.de"),
        ("user@XN--BCHER-KVA.DE", "user@bücher.de"),
        ("user@Bücher.de", "user@bücher.de"),
        ("first.last+tag@sub.example.org", "first.last+tag@sub.example.org"),
    ],
)
def test_an_address_is_stored_in_one_form(raw: str, stored: str) -> None:
    assert addresses.normalise(raw) == stored


def test_spellings_of_one_mailbox_share_a_key() -> None:
    spellings = ["Ann@Example.org", "ann@example.org", "ANN@EXAMPLE.ORG"]

    assert {email_key(addresses.normalise(raw)) for raw in spellings} == {"ann@example.org"}
    assert email_key(addresses.normalise("user@bücher.de")) == email_key(
        addresses.normalise("user@xn--bcher-kva.de")
    )


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("a" * 65 + "@example.org", "too long before the @-sign"),
        ("a@-b.com", "hyphen immediately after the @-sign"),
        ("user@[192.0.2.1]", "bracketed IP address"),
        ("us\u200ber@example.org", "ZERO WIDTH SPACE"),
        ("user@exa\u200dmple.org", "ZERO WIDTH JOINER"),
        ('"quoted"@example.org', "Quoting"),
        ("user@example.test", "special-use or reserved name"),
        ("user@localhost", "should have a period"),
        ("two@@example.org", "@"),
        ("", "must have an @-sign"),
    ],
)
def test_what_the_validator_refuses_is_refused_with_its_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidEmailAddress) as refused:
        addresses.normalise(raw)

    assert refused.value.field == "email"
    assert reason in refused.value.reason


def test_the_longest_local_part_rfc_5321_allows_is_accepted() -> None:
    assert addresses.normalise("a" * 64 + "@example.org") == "a" * 64 + "@example.org"


def test_a_configured_sender_may_use_the_test_domain_but_not_the_rest() -> None:
    assert normalise_configured_address("Editors@Oolvay.TEST") == "Editors@oolvay.test"
    with pytest.raises(InvalidEmailAddress, match="special-use"):
        normalise_configured_address("news@oolvay.localhost")


def test_mail_goes_to_the_ascii_form_of_an_international_domain() -> None:
    assert sendable_address("user@bücher.de") == "user@xn--bcher-kva.de"
    assert sendable_address("plain@example.org") == "plain@example.org"
    # A non-ASCII local part has no ASCII form: it needs a server with SMTPUTF8.
    assert sendable_address("Ünïcode@bücher.de") == "Ünïcode@bücher.de"
