import pytest

from oolvay.application.subscriptions import ConfirmSubscription, Subscribe
from oolvay.domain.errors import InvalidEmailAddress
from tests.builders import a_subscriber
from tests.fakes import FakeEmailAddresses, FakeRenderer, FakeUserTokens
from tests.unit.application.conftest import World


def subscribe(world: World) -> Subscribe:
    return Subscribe(world.uow, world.mailer, FakeRenderer(), world.clock, FakeEmailAddresses())


def test_a_new_address_is_stored_unverified_and_gets_a_confirmation(world: World) -> None:
    result = subscribe(world)("New@Example.com")

    [user] = world.uow.store.users.values()
    assert (user.email, user.email_verified, user.wants_post_emails) == (
        "New@example.com",
        False,
        True,
    )
    assert not user.receives_post_emails
    assert result.confirmation_sent
    assert world.mailer.recipients == ["New@example.com"]


def test_confirming_makes_the_user_an_audience_member(world: World) -> None:
    subscribe(world)("new@example.com")
    [user] = world.uow.store.users.values()

    changed = ConfirmSubscription(world.uow, FakeUserTokens())(FakeUserTokens().issue(user.id))

    assert changed
    assert world.uow.store.users[user.id].receives_post_emails


def test_an_opted_out_user_is_not_resubscribed_without_confirming(world: World) -> None:
    reader = a_subscriber(1, wants_post_emails=False)
    world.given(reader)

    result = subscribe(world)(reader.email)

    assert result.confirmation_sent
    assert not world.uow.store.users[reader.id].wants_post_emails


def test_a_current_subscriber_gets_nothing(world: World) -> None:
    reader = a_subscriber(1)
    world.given(reader)

    result = subscribe(world)(reader.email)

    assert not result.confirmation_sent
    assert world.mailer.sent == []


def test_a_bounced_address_gets_nothing(world: World) -> None:
    reader = a_subscriber(1, bounced=True, wants_post_emails=False)
    world.given(reader)

    assert not subscribe(world)(reader.email).confirmation_sent
    assert world.mailer.sent == []


def test_an_invalid_address_is_refused(world: World) -> None:
    with pytest.raises(InvalidEmailAddress):
        subscribe(world)("nope")
    assert world.uow.store.users == {}


@pytest.mark.parametrize("token", ["", "garbage", "unsubscribe:not-a-uuid"])
def test_a_bad_confirmation_token_changes_nothing(world: World, token: str) -> None:
    assert not ConfirmSubscription(world.uow, FakeUserTokens())(token)
