"""The unit of work owns the transaction: commit keeps, anything else leaves nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.ids import UserId
from oolvay.domain.sends import Send
from oolvay.domain.users import POST_EMAIL_AUDIENCE
from tests.builders import T0, a_post, a_subscriber
from tests.integration.db.conftest import an_author, given

NewUow = Callable[[], SqlAlchemyUnitOfWork]


def test_commit_makes_the_changes_visible_to_another_unit_of_work(new_uow: NewUow) -> None:
    post = a_post()
    given(new_uow(), an_author(), post)

    with new_uow() as other:
        stored = other.posts.get(post.id)

    assert stored == post


def test_leaving_without_commit_leaves_nothing_behind(
    uow: SqlAlchemyUnitOfWork, new_uow: NewUow
) -> None:
    post, reader = a_post(), a_subscriber(1)
    with uow:
        uow.users.add(an_author())
        uow.users.add(reader)
        uow.posts.add(post)
        uow.sends.add(Send.new(post.id, now=T0))
        uow.deliveries.snapshot(post.id, POST_EMAIL_AUDIENCE, batch_size=10, now=T0)

    with new_uow() as other:
        assert other.posts.get(post.id) is None
        assert other.users.get(reader.id) is None
        assert other.sends.get(post.id) is None
        assert other.deliveries.page(post.id, after=None, limit=10) == []


def test_an_error_inside_the_block_rolls_back(uow: SqlAlchemyUnitOfWork, new_uow: NewUow) -> None:
    reader = a_subscriber(1)

    def add_then_fail() -> None:
        with uow:
            uow.users.add(reader)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        add_then_fail()

    with new_uow() as other:
        assert other.users.get(reader.id) is None


def test_the_same_unit_of_work_can_be_entered_again(uow: SqlAlchemyUnitOfWork) -> None:
    reader = a_subscriber(1)
    given(uow, reader)

    with uow:
        user = uow.users.get(reader.id)
        assert user is not None
        user.unsubscribe()
        uow.users.update(user)
        uow.commit()
    with uow:
        again = uow.users.get(UserId(reader.id))

    assert again is not None
    assert not again.wants_post_emails


def test_commit_outside_the_block_is_refused(uow: SqlAlchemyUnitOfWork) -> None:
    with pytest.raises(RuntimeError, match="not open"):
        uow.commit()


def test_delivery_states_survive_a_commit(uow: SqlAlchemyUnitOfWork, new_uow: NewUow) -> None:
    post, reader = a_post(), a_subscriber(1)
    given(uow, an_author(), reader, post)
    with uow:
        uow.sends.add(Send.new(post.id, now=T0))
        uow.deliveries.snapshot(post.id, POST_EMAIL_AUDIENCE, batch_size=10, now=T0)
        uow.commit()

    with new_uow() as other:
        [delivery] = other.deliveries.page(post.id, after=None, limit=10)
        assert (delivery.state, delivery.email) == (DeliveryState.QUEUED, reader.email)
