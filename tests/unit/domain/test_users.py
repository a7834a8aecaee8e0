import pytest
from hypothesis import given
from hypothesis import strategies as st

from oolvay.domain import users
from oolvay.domain.errors import InvalidEmailAddress
from oolvay.domain.users import POST_EMAIL_AUDIENCE, User, parse_email_address
from tests.builders import T0, a_subscriber


def test_a_verified_active_subscriber_receives_post_emails() -> None:
    assert a_subscriber(1).receives_post_emails


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"active": False}, "inactive account"),
        ({"email_verified": False}, "unverified email"),
        ({"bounced": True}, "bounced address"),
        ({"wants_post_emails": False}, "opted out"),
    ],
)
def test_who_does_not_receive_post_emails(change: dict[str, bool], why: str) -> None:
    user = a_subscriber(1, **change)

    assert not user.receives_post_emails, why
    assert not POST_EMAIL_AUDIENCE.matches(user)


def test_eligibility_is_separate_from_wanting_emails() -> None:
    opted_out = a_subscriber(1, wants_post_emails=False)

    assert opted_out.is_eligible
    assert not opted_out.receives_post_emails


def test_unsubscribe_and_resubscribe() -> None:
    user = a_subscriber(1)

    user.unsubscribe()
    assert not user.receives_post_emails
    user.subscribe()
    assert user.receives_post_emails


def test_register_normalises_the_domain() -> None:
    user = User.register(email="  Reader@Example.COM ", now=T0)

    assert user.email == "Reader@example.com"


@pytest.mark.parametrize(
    "raw",
    ["", "no-at-sign", "two@@example.com", "a b@example.com", "user@localhost", "@example.com"],
)
def test_invalid_addresses_are_refused(raw: str) -> None:
    with pytest.raises(InvalidEmailAddress) as caught:
        parse_email_address(raw)
    assert caught.value.field == "email"


def test_a_valid_address_parses() -> None:
    assert parse_email_address("first.last+tag@sub.example.org") == "first.last+tag@sub.example.org"


@given(st.one_of(st.emails(), st.from_regex(users._PLAIN_ADDRESS, fullmatch=True)))
def test_the_fast_path_for_plain_addresses_agrees_with_the_full_parser(address: str) -> None:
    try:
        expected: str | type[InvalidEmailAddress] = users._parse_any_email_address(address, address)
    except InvalidEmailAddress:
        expected = InvalidEmailAddress
    try:
        parsed: str | type[InvalidEmailAddress] = parse_email_address(address)
    except InvalidEmailAddress:
        parsed = InvalidEmailAddress
    assert parsed == expected


def test_one_mailbox_has_one_key_whatever_the_case_of_its_local_part() -> None:
    assert users.email_key("Ann.Lee@example.org") == "ann.lee@example.org"
    assert User.register(email="ANN.LEE@Example.org", now=T0).email_key == "ann.lee@example.org"
    assert users.email_key("Ünïcode@bücher.de") == "ünïcode@bücher.de"


def test_a_complaint_suppresses_like_a_bounce_and_an_editor_can_lift_either() -> None:
    reader = User.register(email="ann@example.org", now=T0, email_verified=True)

    reader.mark_complained()
    assert reader.is_suppressed
    assert not reader.receives_post_emails
    assert not POST_EMAIL_AUDIENCE.matches(reader)

    reader.unsuppress()
    assert reader.receives_post_emails
