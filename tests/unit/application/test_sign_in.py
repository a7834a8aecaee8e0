"""Signing in and out with a password, throttled, into a server-side session."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oolvay.application.rate_limits import SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_CLIENT
from oolvay.application.sign_in import (
    AuthenticateSession,
    EditorNotFound,
    SetEditorPassword,
    SignIn,
    SignOut,
)
from oolvay.domain.credentials import InvalidCredentials, SessionPolicy
from oolvay.domain.errors import InvalidInput, NotAuthenticated, RateLimited
from oolvay.domain.tokens import hash_token
from oolvay.domain.users import User
from tests.builders import T0, a_subscriber
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.fakes.accounts import FakePasswordHasher, FakeRateLimiter

POLICY = SessionPolicy(idle=timedelta(hours=12), max_age=timedelta(days=14))
PASSWORD = "correct horse battery"


def an_editor(email: str = "editor@example.com") -> User:
    return User.register(email=email, now=T0, email_verified=True, is_editor=True)


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    with uow:
        uow.users.add(an_editor())
        uow.users.add(a_subscriber(1))
        uow.commit()
    SetEditorPassword(uow, FakePasswordHasher(), FakeClock())("editor@example.com", PASSWORD)
    return uow


def sign_in(
    uow: FakeUnitOfWork, clock: FakeClock | None = None, limiter: FakeRateLimiter | None = None
) -> SignIn:
    return SignIn(
        uow, FakePasswordHasher(), limiter or FakeRateLimiter(), clock or FakeClock(), POLICY
    )


def test_the_right_password_starts_a_session_stored_only_as_a_hash(uow: FakeUnitOfWork) -> None:
    signed_in = sign_in(uow)("editor@example.com", PASSWORD, client="10.0.0.1")

    stored = list(uow.store.editor_sessions.values())
    assert [s.token_hash for s in stored] == [hash_token(signed_in.secret)]
    assert signed_in.secret not in repr(stored)
    assert signed_in.user.email == "editor@example.com"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("editor@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
        ("reader1@example.com", PASSWORD),  # a subscriber, not an editor
        ("not an address", PASSWORD),
    ],
)
def test_anything_else_is_the_same_refusal(uow: FakeUnitOfWork, email: str, password: str) -> None:
    with pytest.raises(InvalidCredentials, match="wrong email or password"):
        sign_in(uow)(email, password, client="10.0.0.1")

    assert uow.store.editor_sessions == {}


def test_an_outdated_hash_is_replaced_at_sign_in(uow: FakeUnitOfWork) -> None:
    editor = next(u for u in uow.store.users.values() if u.is_editor)
    uow.store.editor_passwords[editor.id] = f"outdated${PASSWORD}"

    sign_in(uow)("editor@example.com", PASSWORD, client="10.0.0.1")

    assert uow.store.editor_passwords[editor.id] == f"fake${PASSWORD}"


def test_a_throttled_client_is_refused_before_the_password_is_checked(uow: FakeUnitOfWork) -> None:
    limiter = FakeRateLimiter(allow=0, retry_after=timedelta(seconds=42.2))

    with pytest.raises(RateLimited) as refused:
        sign_in(uow, limiter=limiter)("editor@example.com", PASSWORD, client="10.0.0.1")

    assert refused.value.retry_after_seconds == 43
    assert uow.store.editor_sessions == {}


def test_attempts_count_per_client_and_per_account_in_any_case(uow: FakeUnitOfWork) -> None:
    limiter = FakeRateLimiter()

    with pytest.raises(InvalidCredentials):
        sign_in(uow, limiter=limiter)(" EDITOR@example.com ", "not it", client="10.0.0.1")
    signed_in = sign_in(uow, limiter=limiter)("Editor@Example.com", PASSWORD, client="10.0.0.1")

    assert signed_in.user.email == "editor@example.com"  # one mailbox, whatever its case
    assert limiter.hits == {
        (SIGN_IN_PER_CLIENT.name, "10.0.0.1"): 2,
        (SIGN_IN_PER_ACCOUNT.name, "editor@example.com"): 2,
    }


def test_a_session_authenticates_until_it_has_been_idle_too_long(uow: FakeUnitOfWork) -> None:
    clock = FakeClock()
    secret = sign_in(uow, clock)("editor@example.com", PASSWORD, client="c").secret
    authenticate = AuthenticateSession(uow, clock, POLICY)

    clock.advance(hours=11)
    assert authenticate(secret).user.email == "editor@example.com"
    clock.advance(hours=11)  # 11 hours after the last request: still fine
    assert authenticate(secret).user.email == "editor@example.com"
    clock.advance(hours=12)
    with pytest.raises(NotAuthenticated):
        authenticate(secret)


def test_a_session_ends_at_its_maximum_age_however_active(uow: FakeUnitOfWork) -> None:
    clock = FakeClock()
    secret = sign_in(uow, clock)("editor@example.com", PASSWORD, client="c").secret
    authenticate = AuthenticateSession(uow, clock, POLICY)

    for _ in range(27):
        clock.advance(hours=12, seconds=-1)
        authenticate(secret)
    clock.advance(hours=12)

    with pytest.raises(NotAuthenticated):
        authenticate(secret)


def test_signing_out_ends_the_session(uow: FakeUnitOfWork) -> None:
    clock = FakeClock()
    secret = sign_in(uow, clock)("editor@example.com", PASSWORD, client="c").secret

    SignOut(uow)(secret)

    with pytest.raises(NotAuthenticated):
        AuthenticateSession(uow, clock, POLICY)(secret)


@pytest.mark.parametrize("secret", [None, "", "made-up"])
def test_no_or_unknown_session_is_not_authenticated(
    uow: FakeUnitOfWork, secret: str | None
) -> None:
    with pytest.raises(NotAuthenticated):
        AuthenticateSession(uow, FakeClock(), POLICY)(secret)


def test_a_new_password_ends_every_session_signed_in_with_the_old_one(uow: FakeUnitOfWork) -> None:
    clock = FakeClock()
    secret = sign_in(uow, clock)("editor@example.com", PASSWORD, client="c").secret

    ended = SetEditorPassword(uow, FakePasswordHasher(), clock)(
        "editor@example.com", "another one!"
    )

    assert ended == 1
    with pytest.raises(NotAuthenticated):
        AuthenticateSession(uow, clock, POLICY)(secret)
    with pytest.raises(InvalidCredentials):
        sign_in(uow, clock)("editor@example.com", PASSWORD, client="c")


def test_a_short_password_is_refused(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidInput, match="at least 10"):
        SetEditorPassword(uow, FakePasswordHasher(), FakeClock())("editor@example.com", "short")


def test_only_editors_get_a_password(uow: FakeUnitOfWork) -> None:
    with pytest.raises(EditorNotFound):
        SetEditorPassword(uow, FakePasswordHasher(), FakeClock())("reader1@example.com", PASSWORD)
