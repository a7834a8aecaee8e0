"""Unsubscribe: a genuine token turns post emails off; every token gets the same answer."""

from __future__ import annotations

import uuid

from oolvay.application.unsubscribe import Unsubscribe, UnsubscribeResult
from oolvay.domain.ids import UserId
from oolvay.domain.users import User
from tests.builders import a_subscriber
from tests.fakes import FakeUnitOfWork, FakeUserTokens

TOKENS = FakeUserTokens()


def given(*users: User) -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        for user in users:
            uow.users.add(user)
        uow.commit()
    return uow


def wants_post_emails(uow: FakeUnitOfWork, user_id: UserId) -> bool:
    with uow:
        user = uow.users.get(user_id)
        assert user is not None
        return user.wants_post_emails


def test_a_genuine_token_turns_post_emails_off() -> None:
    reader = a_subscriber(1)
    uow = given(reader, a_subscriber(2))

    result = Unsubscribe(uow=uow, tokens=TOKENS)(TOKENS.issue(reader.id))

    assert result == UnsubscribeResult(changed=True)
    assert wants_post_emails(uow, reader.id) is False
    assert wants_post_emails(uow, a_subscriber(2).id) is True


def test_using_the_token_again_changes_nothing() -> None:
    reader = a_subscriber(1)
    uow = given(reader)
    unsubscribe = Unsubscribe(uow=uow, tokens=TOKENS)
    unsubscribe(TOKENS.issue(reader.id))
    commits = uow.commits

    result = unsubscribe(TOKENS.issue(reader.id))

    assert result == UnsubscribeResult(changed=False)
    assert uow.commits == commits
    assert wants_post_emails(uow, reader.id) is False


def test_an_invalid_token_and_an_unknown_user_look_like_any_other_answer() -> None:
    uow = given(a_subscriber(1))
    unsubscribe = Unsubscribe(uow=uow, tokens=TOKENS)

    invalid = unsubscribe("not-a-token")
    unknown = unsubscribe(TOKENS.issue(UserId(uuid.uuid4())))

    assert invalid == unknown == UnsubscribeResult(changed=False)
    assert uow.commits == 1  # only the setup's
