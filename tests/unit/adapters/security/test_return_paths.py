"""Return paths: one per recipient and post, readable back only when genuine."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oolvay.adapters.email.addresses import EmailValidatorAddresses
from oolvay.adapters.security.return_paths import MAX_LOCAL_PART, HmacReturnPaths
from oolvay.domain.ids import PostId, UserId
from oolvay.settings import MAX_BOUNCE_LOCAL_PART

PATHS = HmacReturnPaths("k" * 40, bounce_address="bounces@oolvay.example")
ids = st.uuids()


@given(ids, ids)
def test_a_return_path_names_its_recipient_and_post_whatever_the_case(
    user: uuid.UUID, post: uuid.UUID
) -> None:
    address = PATHS.address(UserId(user), PostId(post))

    assert PATHS.verify(address, PostId(post)) == user
    assert PATHS.verify(address.upper(), PostId(post)) == user
    claim = PATHS.read(address)
    assert claim is not None
    assert (claim.user_id, claim.post_prefix) == (user, post.bytes[:8])


@given(ids, ids, ids)
def test_it_is_no_proof_for_another_post(
    user: uuid.UUID, post: uuid.UUID, other: uuid.UUID
) -> None:
    address = PATHS.address(UserId(user), PostId(post))

    assert post == other or PATHS.verify(address, PostId(other)) is None


def test_it_fits_rfc_5321_and_is_a_valid_address() -> None:
    address = PATHS.address(UserId(uuid.uuid4()), PostId(uuid.uuid4()))

    assert address.startswith("bounces+")
    assert len(address.partition("@")[0]) <= 64
    assert EmailValidatorAddresses().normalise(address) == address
    assert MAX_LOCAL_PART == MAX_BOUNCE_LOCAL_PART


@pytest.mark.parametrize(
    "tampered",
    [
        lambda a: a.replace("@oolvay.example", "@elsewhere.example"),
        lambda a: a.replace("bounces+", "other+"),
        lambda a: a[:20] + ("a" if a[20] != "a" else "b") + a[21:],
        lambda a: a.replace("+", "+x"),
        lambda a: "bounces@oolvay.example",
    ],
)
def test_a_changed_return_path_is_not_ours(tampered: object) -> None:
    post = PostId(uuid.uuid4())
    address = PATHS.address(UserId(uuid.uuid4()), post)

    changed = tampered(address)  # type: ignore[operator]

    assert PATHS.verify(changed, post) is None


def test_another_secret_key_makes_other_paths() -> None:
    user, post = UserId(uuid.uuid4()), PostId(uuid.uuid4())
    other = HmacReturnPaths("z" * 40, bounce_address="bounces@oolvay.example")

    assert PATHS.verify(other.address(user, post), post) is None


def test_a_bounce_address_with_no_room_for_the_token_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 11 characters"):
        HmacReturnPaths("k" * 40, bounce_address="returned-mail@oolvay.example")
