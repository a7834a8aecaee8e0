"""Editors and their personal API tokens."""

from __future__ import annotations

import uuid

import attrs

from oolvay.application.ports import Clock, UnitOfWork
from oolvay.domain.errors import NotAuthenticated, NotFound, PermissionDenied
from oolvay.domain.tokens import ApiToken, hash_token
from oolvay.domain.users import User, parse_email_address


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

    def __call__(self, email: str, *, token_name: str) -> tuple[User, IssuedToken]:
        address = parse_email_address(email)
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
class ListApiTokens:
    """The caller's own tokens, newest first, revoked ones too."""

    uow: UnitOfWork

    def __call__(self, user: User) -> list[ApiToken]:
        with self.uow:
            tokens = self.uow.api_tokens.list_for_user(user.id)
        return sorted(tokens, key=lambda token: (token.created_at, token.id), reverse=True)


@attrs.frozen
class RevokeApiToken:
    """Revoke one of the caller's own tokens. Revoking twice is harmless."""

    uow: UnitOfWork
    clock: Clock

    def __call__(self, user: User, token_id: uuid.UUID) -> ApiToken:
        with self.uow:
            token = self.uow.api_tokens.get(token_id)
            if token is None or token.user_id != user.id:
                raise NotFound(f"token {token_id} does not exist")
            token.revoke(self.clock.now())
            self.uow.api_tokens.update(token)
            self.uow.commit()
        return token


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
