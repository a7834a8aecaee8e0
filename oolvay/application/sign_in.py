"""Editors sign in with an email and a password, into a server-side session."""

from __future__ import annotations

import attrs

from oolvay.application.ports import Clock, PasswordHasher, RateLimiter, UnitOfWork
from oolvay.application.rate_limits import SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_CLIENT
from oolvay.domain.credentials import (
    EditorSession,
    InvalidCredentials,
    SessionPolicy,
    check_password_rules,
)
from oolvay.domain.errors import InvalidEmailAddress, NotAuthenticated, NotFound
from oolvay.domain.tokens import hash_token
from oolvay.domain.users import User, parse_email_address


class EditorNotFound(NotFound):
    def __init__(self, email: str) -> None:
        super().__init__(f"no editor with email {email}")
        self.email = email


@attrs.frozen
class SignedIn:
    user: User
    session: EditorSession
    secret: str
    """The cookie's value: shown to this browser once, stored only as a hash."""


@attrs.frozen
class SetEditorPassword:
    """Set an editor's password; by default every session of theirs ends with the old one."""

    uow: UnitOfWork
    hasher: PasswordHasher
    clock: Clock

    def __call__(self, email: str, password: str, *, end_sessions: bool = True) -> int:
        """Returns how many sessions were ended."""
        address = parse_email_address(email)
        check_password_rules(password)
        password_hash = self.hasher.hash(password)
        with self.uow:
            user = self.uow.users.get_by_email(address)
            if user is None or not user.is_editor:
                raise EditorNotFound(address)
            self.uow.editor_passwords.set(user.id, password_hash, now=self.clock.now())
            ended = self.uow.editor_sessions.delete_for_user(user.id) if end_sessions else 0
            self.uow.commit()
        return ended


@attrs.frozen
class SignIn:
    """Check the password and start a session. Throttled per client and per account
    before the password is looked at, so that guessing costs time whatever the answer."""

    uow: UnitOfWork
    hasher: PasswordHasher
    limiter: RateLimiter
    clock: Clock
    policy: SessionPolicy

    def __call__(self, email: str, password: str, *, client: str) -> SignedIn:
        self.limiter.hit(SIGN_IN_PER_CLIENT, client).raise_if_refused(SIGN_IN_PER_CLIENT)
        account = email.strip().lower()
        self.limiter.hit(SIGN_IN_PER_ACCOUNT, account).raise_if_refused(SIGN_IN_PER_ACCOUNT)
        user, stored = self._account(email)
        check = self.hasher.verify(password, stored)
        if user is None or not check.matches:
            raise InvalidCredentials()
        now = self.clock.now()
        session, secret = EditorSession.start(user_id=user.id, now=now, policy=self.policy)
        with self.uow:
            if check.new_hash is not None:
                self.uow.editor_passwords.set(user.id, check.new_hash, now=now)
            self.uow.editor_sessions.delete_expired(now)
            self.uow.editor_sessions.add(session)
            self.uow.commit()
        return SignedIn(user=user, session=session, secret=secret)

    def _account(self, email: str) -> tuple[User | None, str | None]:
        """The editor and their password hash; (None, None) for anyone else."""
        try:
            address = parse_email_address(email)
        except InvalidEmailAddress:
            return None, None
        with self.uow:
            user = self.uow.users.get_by_email(address)
            if user is None or not user.is_editor or not user.active:
                return None, None
            return user, self.uow.editor_passwords.get(user.id)


@attrs.frozen
class SessionEditor:
    user: User
    session: EditorSession


@attrs.frozen
class AuthenticateSession:
    """Who holds this session cookie: an active editor, or NotAuthenticated."""

    uow: UnitOfWork
    clock: Clock
    policy: SessionPolicy

    def __call__(self, secret: str | None) -> SessionEditor:
        if not secret:
            raise NotAuthenticated("sign in first")
        now = self.clock.now()
        with self.uow:
            session = self.uow.editor_sessions.get_by_hash(hash_token(secret))
            if session is None or session.is_expired(now):
                raise NotAuthenticated("the session has ended; sign in again")
            user = self.uow.users.get(session.user_id)
            if user is None or not user.active or not user.is_editor:
                raise NotAuthenticated("the session's user can no longer sign in")
            if session.touch(now, self.policy):
                self.uow.editor_sessions.update(session)
                self.uow.commit()
        return SessionEditor(user=user, session=session)


@attrs.frozen
class SignOut:
    uow: UnitOfWork

    def __call__(self, secret: str | None) -> None:
        """End the session this cookie names, if any. Harmless when there is none."""
        if not secret:
            return
        with self.uow:
            session = self.uow.editor_sessions.get_by_hash(hash_token(secret))
            if session is not None:
                self.uow.editor_sessions.delete(session.id)
                self.uow.commit()
