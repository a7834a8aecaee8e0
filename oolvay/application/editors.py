"""Editors and their personal API tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import attrs

from oolvay.application.ports import Clock, EmailAddresses, UnitOfWork
from oolvay.domain.errors import NotAuthenticated, NotFound, PermissionDenied
from oolvay.domain.ids import UserId
from oolvay.domain.tokens import ApiToken, hash_token
from oolvay.domain.users import User


@attrs.frozen
class IssuedToken:
    token: ApiToken
    secret: str
    """Shown once, to the person who asked for it; only its hash is stored."""


@attrs.frozen
class CreateEditor:
    """Make (or promote) an editor and issue a first token."""

    uow: UnitOfWork
    clock: Clock
    addresses: EmailAddresses

    def __call__(self, email: str, *, token_name: str) -> tuple[User, IssuedToken]:
        address = self.addresses.normalise(email)
        now = self.clock.now()
        with self.uow:
            user = self.uow.users.get_by_email(address)
            if user is None:
                user = User.register(
                    email=address, now=now, email_verified=True, wants_post_emails=False
                )
                user.is_editor = True
                self.uow.users.add(user)
            else:
                user.is_editor = True
                self.uow.users.update(user)
            token, secret = ApiToken.issue(user_id=user.id, name=token_name, now=now)
            self.uow.api_tokens.add(token)
            self.uow.commit()
        return user, IssuedToken(token, secret)


@attrs.frozen
class IssueApiToken:
    uow: UnitOfWork
    clock: Clock

    def __call__(self, user: User, *, name: str) -> IssuedToken:
        token, secret = ApiToken.issue(user_id=user.id, name=name, now=self.clock.now())
        with self.uow:
            self.uow.api_tokens.add(token)
            self.uow.commit()
        return IssuedToken(token, secret)


@attrs.frozen
class RevokeApiToken:
    """Revoke a token by its id. Revoking twice is harmless.

    ``owner`` is whose tokens the caller may revoke: an editor over the API, their own; the
    operator at the command line (``None``), anyone's."""

    uow: UnitOfWork
    clock: Clock

    def __call__(self, token_id: uuid.UUID, *, owner: UserId | None) -> ApiToken:
        with self.uow:
            token = self.uow.api_tokens.get(token_id)
            if token is None or (owner is not None and token.user_id != owner):
                raise NotFound(f"token {token_id} does not exist")
            token.revoke(self.clock.now())
            self.uow.api_tokens.update(token)
            self.uow.commit()
        return token


@attrs.frozen
class ListApiTokens:
    """One user's tokens, oldest first: names, ids and states, never their secrets."""

    uow: UnitOfWork

    def __call__(self, owner: UserId) -> Sequence[ApiToken]:
        with self.uow:
            return list(self.uow.api_tokens.list_for_user(owner))


@attrs.frozen
class ListEditors:
    """Every editor, by email, with their tokens."""

    uow: UnitOfWork

    def __call__(self) -> list[tuple[User, Sequence[ApiToken]]]:
        with self.uow:
            editors = self.uow.users.list_editors()
            return [(editor, self.uow.api_tokens.list_for_user(editor.id)) for editor in editors]


@attrs.frozen
class AuthenticateEditor:
    """Who holds this token: an editor, or NotAuthenticated / PermissionDenied."""

    uow: UnitOfWork

    def __call__(self, secret: str | None) -> User:
        if not secret:
            raise NotAuthenticated("a bearer token is required")
        with self.uow:
            token = self.uow.api_tokens.get_by_hash(hash_token(secret))
            if token is None or not token.is_active:
                raise NotAuthenticated("the token is unknown or revoked")
            user = self.uow.users.get(token.user_id)
        if user is None or not user.active:
            raise NotAuthenticated("the token's user no longer exists or is inactive")
        if not user.is_editor:
            raise PermissionDenied("this user is not an editor")
        return user
