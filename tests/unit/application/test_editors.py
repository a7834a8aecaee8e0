import uuid

import pytest

from oolvay.application.editors import (
    AuthenticateEditor,
    CreateEditor,
    IssueApiToken,
    ListApiTokens,
    ListEditors,
    RevokeApiToken,
)
from oolvay.domain.errors import InvalidEmailAddress, NotAuthenticated, NotFound, PermissionDenied
from tests.builders import a_subscriber
from tests.fakes import FakeEmailAddresses
from tests.unit.application.conftest import World


def create_editor(world: World) -> CreateEditor:
    return CreateEditor(world.uow, world.clock, FakeEmailAddresses())


def test_a_new_editor_gets_a_token_that_authenticates(world: World) -> None:
    user, issued = create_editor(world)("Ed@Example.com", token_name="laptop")

    assert user.is_editor
    assert AuthenticateEditor(world.uow)(issued.secret).id == user.id


def test_only_a_hash_of_the_token_is_stored(world: World) -> None:
    _, issued = create_editor(world)("ed@example.com", token_name="laptop")

    [stored] = world.uow.store.api_tokens.values()
    assert issued.secret not in repr(stored)
    assert stored.token_hash != issued.secret


def test_an_existing_subscriber_can_be_made_an_editor(world: World) -> None:
    reader = a_subscriber(1)
    world.given(reader)

    user, _ = create_editor(world)(reader.email, token_name="t")

    assert user.id == reader.id
    assert world.uow.store.users[reader.id].is_editor
    assert world.uow.store.users[reader.id].wants_post_emails


def test_a_bad_address_is_refused(world: World) -> None:
    with pytest.raises(InvalidEmailAddress):
        create_editor(world)("nope", token_name="t")
    assert world.uow.store.users == {}


@pytest.mark.parametrize("secret", [None, "", "oolvay_not-a-real-token"])
def test_missing_or_unknown_tokens_do_not_authenticate(world: World, secret: str | None) -> None:
    with pytest.raises(NotAuthenticated):
        AuthenticateEditor(world.uow)(secret)


def test_a_revoked_token_no_longer_authenticates(world: World) -> None:
    user, issued = create_editor(world)("ed@example.com", token_name="t")
    second = IssueApiToken(world.uow, world.clock)(user, name="phone")

    RevokeApiToken(world.uow, world.clock)(issued.token.id, owner=user.id)

    with pytest.raises(NotAuthenticated):
        AuthenticateEditor(world.uow)(issued.secret)
    assert AuthenticateEditor(world.uow)(second.secret).id == user.id


def test_a_token_of_a_non_editor_is_forbidden(world: World) -> None:
    reader = a_subscriber(1)
    world.given(reader)
    issued = IssueApiToken(world.uow, world.clock)(reader, name="t")

    with pytest.raises(PermissionDenied):
        AuthenticateEditor(world.uow)(issued.secret)


def test_nobody_can_revoke_someone_elses_token(world: World) -> None:
    _, issued = create_editor(world)("ed@example.com", token_name="t")
    other, _ = create_editor(world)("other@example.com", token_name="t")

    with pytest.raises(NotFound):
        RevokeApiToken(world.uow, world.clock)(issued.token.id, owner=other.id)
    with pytest.raises(NotFound):
        RevokeApiToken(world.uow, world.clock)(uuid.uuid4(), owner=other.id)
    assert AuthenticateEditor(world.uow)(issued.secret).email == "ed@example.com"


def test_the_operator_revokes_any_token_by_its_id(world: World) -> None:
    _, issued = CreateEditor(world.uow, world.clock, FakeEmailAddresses())(
        "ed@example.com", token_name="t"
    )

    revoked = RevokeApiToken(world.uow, world.clock)(issued.token.id, owner=None)

    assert revoked.revoked_at == world.clock.now()
    with pytest.raises(NotAuthenticated):
        AuthenticateEditor(world.uow)(issued.secret)
    with pytest.raises(NotFound):
        RevokeApiToken(world.uow, world.clock)(uuid.uuid4(), owner=None)


def test_a_users_tokens_are_listed_with_their_state_and_no_secret(world: World) -> None:
    user, first = CreateEditor(world.uow, world.clock, FakeEmailAddresses())(
        "ed@example.com", token_name="laptop"
    )
    world.clock.advance(seconds=1)
    second = IssueApiToken(world.uow, world.clock)(user, name="phone")
    RevokeApiToken(world.uow, world.clock)(first.token.id, owner=user.id)

    tokens = ListApiTokens(world.uow)(user.id)

    assert [(t.name, t.is_active) for t in tokens] == [("laptop", False), ("phone", True)]
    assert [t.id for t in tokens] == [first.token.id, second.token.id]


def test_editors_are_listed_by_email_with_their_tokens(world: World) -> None:
    world.given(a_subscriber(1))
    CreateEditor(world.uow, world.clock, FakeEmailAddresses())("zed@example.com", token_name="z")
    CreateEditor(world.uow, world.clock, FakeEmailAddresses())("ada@example.com", token_name="a")

    editors = ListEditors(world.uow)()

    assert [(e.email, [t.name for t in tokens]) for e, tokens in editors] == [
        ("ada@example.com", ["a"]),
        ("zed@example.com", ["z"]),
    ]
