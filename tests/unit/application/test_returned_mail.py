"""What a bounce or a complaint does to its recipient: found by the return path alone."""

from __future__ import annotations

import pytest

from oolvay.application.bounces import (
    GetPostFeedback,
    Outcome,
    ProcessReturnedMail,
    ReturnedMail,
)
from oolvay.application.suppressions import ListSuppressed, ShowSubscriber, Unsuppress
from oolvay.domain.bounces import BounceKind
from oolvay.domain.errors import NoUserWithEmail, PostNotFound
from tests.builders import a_post, a_subscriber
from tests.fakes import FakeEmailAddresses, FakeReturnPaths
from tests.unit.application.conftest import World

PATHS = FakeReturnPaths()


@pytest.fixture
def process(world: World) -> ProcessReturnedMail:
    return ProcessReturnedMail(world.uow, PATHS, world.clock)


def returned(kind: BounceKind, *return_paths: str, status: str = "5.1.1") -> ReturnedMail:
    return ReturnedMail(kind=kind, return_paths=return_paths, status=status, detail="550 no")


def test_a_hard_bounce_suppresses_its_recipient_once(
    world: World, process: ProcessReturnedMail
) -> None:
    post, reader = a_post(), a_subscriber(1)
    world.given(post, reader)
    mail = returned(
        BounceKind.HARD_BOUNCE, "junk@nowhere.example", PATHS.address(reader.id, post.id)
    )

    first = process(mail, source="maildir")
    second = process(mail, source="smtp")

    assert (first, second) == (Outcome.SUPPRESSED, Outcome.DUPLICATE)
    assert world.uow.store.users[reader.id].bounced
    [event] = world.uow.store.bounce_events.values()
    assert (event.kind, event.status, event.source, event.post_id) == (
        BounceKind.HARD_BOUNCE,
        "5.1.1",
        "maildir",
        post.id,
    )


def test_a_soft_bounce_is_recorded_and_suppresses_nothing(
    world: World, process: ProcessReturnedMail
) -> None:
    post, reader = a_post(), a_subscriber(1)
    world.given(post, reader)

    outcome = process(
        returned(BounceKind.SOFT_BOUNCE, PATHS.address(reader.id, post.id), status="4.4.1"),
        source="imap",
    )

    assert outcome is Outcome.RECORDED
    assert not world.uow.store.users[reader.id].bounced


def test_a_complaint_suppresses_at_once_and_counts_for_the_post(
    world: World, process: ProcessReturnedMail
) -> None:
    post, reader, other = a_post(), a_subscriber(1), a_subscriber(2)
    world.given(post, reader, other)

    process(returned(BounceKind.COMPLAINT, PATHS.address(reader.id, post.id)), source="smtp")

    assert world.uow.store.users[reader.id].bounced
    assert not world.uow.store.users[other.id].bounced
    feedback = GetPostFeedback(world.uow)(post.id)
    assert feedback.counts == {BounceKind.COMPLAINT: 1}


def test_a_return_path_that_is_not_ours_changes_nothing(
    world: World, process: ProcessReturnedMail
) -> None:
    post, reader = a_post(), a_subscriber(1)
    world.given(post, reader)
    made_up = f"bounces+{reader.id}+not-a-post@fake.example"
    for_no_post = PATHS.address(reader.id, a_post().id)

    outcome = process(returned(BounceKind.HARD_BOUNCE, made_up, for_no_post), source="smtp")

    assert outcome is Outcome.NOT_OURS
    assert not world.uow.store.users[reader.id].bounced
    assert world.uow.store.bounce_events == {}


def test_an_editor_lifts_a_suppression_and_the_records_stay(
    world: World, process: ProcessReturnedMail
) -> None:
    post, reader = a_post(), a_subscriber(1, email="Ann@example.org")
    world.given(post, reader)
    process(returned(BounceKind.HARD_BOUNCE, PATHS.address(reader.id, post.id)), source="smtp")
    [listed] = ListSuppressed(world.uow)()

    user = Unsuppress(world.uow, FakeEmailAddresses())("ANN@example.org", by="editor")

    assert listed.user.id == reader.id
    assert listed.because is not None
    assert listed.because.kind is BounceKind.HARD_BOUNCE
    assert not user.is_suppressed
    assert world.uow.store.users[reader.id].receives_post_emails
    assert len(ShowSubscriber(world.uow, FakeEmailAddresses())("ann@example.org").events) == 1


def test_unknown_addresses_and_posts_are_not_found(world: World) -> None:
    with pytest.raises(NoUserWithEmail):
        Unsuppress(world.uow, FakeEmailAddresses())("nobody@example.org", by="editor")
    with pytest.raises(PostNotFound):
        GetPostFeedback(world.uow)(a_post().id)
