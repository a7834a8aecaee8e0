from oolvay.application.subscribers import ImportSubscribers, InvalidLine
from tests.builders import a_subscriber
from tests.fakes import FakeEmailAddresses
from tests.unit.application.conftest import World


def lines(*values: str) -> list[tuple[int, str]]:
    return list(enumerate(values, start=1))


def import_subscribers(world: World) -> ImportSubscribers:
    return ImportSubscribers(world.uow, world.clock, FakeEmailAddresses())


def test_valid_addresses_are_imported_as_verified_subscribers(world: World) -> None:
    result = import_subscribers(world)(lines("a@example.com", "b@example.org"))

    assert (result.imported, result.already_known, result.invalid) == (2, 0, ())
    users = sorted(world.uow.store.users.values(), key=lambda u: u.email)
    assert [u.email for u in users] == ["a@example.com", "b@example.org"]
    assert all(u.receives_post_emails for u in users)


def test_known_and_repeated_addresses_are_left_alone(world: World) -> None:
    existing = a_subscriber(1, wants_post_emails=False)
    world.given(existing)

    result = import_subscribers(world)(lines(existing.email, "new@example.com", "NEW@example.com"))

    assert (result.imported, result.already_known) == (1, 2)
    assert not world.uow.store.users[existing.id].wants_post_emails


def test_one_invalid_line_imports_nothing_and_names_the_line(world: World) -> None:
    result = import_subscribers(world)(lines("a@example.com", "not-an-address"))

    assert result.imported == 0
    assert result.invalid == (
        InvalidLine(2, "not-an-address", "expected exactly one @ and no spaces"),
    )
    assert world.uow.store.users == {}


def test_skip_invalid_imports_the_rest(world: World) -> None:
    result = import_subscribers(world)(
        lines("a@example.com", "nope"), skip_invalid=True, verified=False
    )

    assert result.imported == 1
    assert [line.line for line in result.invalid] == [2]
    [user] = world.uow.store.users.values()
    assert not user.email_verified
