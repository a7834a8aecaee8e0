"""Editors' passwords and sign-in sessions. Only hashes of either are ever stored."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

import attrs

from oolvay.domain.errors import InvalidInput, NotAuthenticated
from oolvay.domain.ids import UserId
from oolvay.domain.time import require_aware
from oolvay.domain.tokens import hash_token

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 1000
"""Long enough for any passphrase, short enough that hashing it costs nothing extra."""

TOUCH_EVERY = timedelta(minutes=1)
"""A session's last-seen time is written at most this often: a page that polls every
second must not write to the database every second."""


class InvalidCredentials(NotAuthenticated):
    """The email and password do not name an editor: the same answer whichever is wrong."""

    def __init__(self) -> None:
        super().__init__("wrong email or password")


def check_password_rules(password: str) -> None:
    """Raise InvalidInput(field="password") for a password editors may not choose."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidInput("password", f"must be at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidInput("password", f"must be at most {PASSWORD_MAX_LENGTH} characters")
    if not password.strip():
        raise InvalidInput("password", "must not be only spaces")


@attrs.frozen
class SessionPolicy:
    """How long a session lasts: ``idle`` after the last request, ``max_age`` in all."""

    idle: timedelta
    max_age: timedelta

    def expiry(self, *, created_at: datetime, now: datetime) -> datetime:
        return min(now + self.idle, created_at + self.max_age)


@attrs.define
class EditorSession:
    """A signed-in browser. Its id (the cookie's value) is shown once; ``token_hash`` is kept."""

    id: uuid.UUID
    user_id: UserId
    token_hash: str
    created_at: datetime = attrs.field(validator=require_aware)
    expires_at: datetime = attrs.field(validator=require_aware)
    last_seen_at: datetime = attrs.field(validator=require_aware)

    @classmethod
    def start(
        cls, *, user_id: UserId, now: datetime, policy: SessionPolicy
    ) -> tuple[EditorSession, str]:
        """A new session and the secret for its cookie; only the secret's hash is kept."""
        secret = secrets.token_urlsafe(32)
        session = cls(
            id=uuid.uuid4(),
            user_id=user_id,
            token_hash=hash_token(secret),
            created_at=now,
            expires_at=policy.expiry(created_at=now, now=now),
            last_seen_at=now,
        )
        return session, secret

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def touch(self, now: datetime, policy: SessionPolicy) -> bool:
        """Note activity at ``now``, extending the idle expiry; True if worth saving."""
        if now - self.last_seen_at < TOUCH_EVERY:
            return False
        self.last_seen_at = now
        self.expires_at = policy.expiry(created_at=self.created_at, now=now)
        return True
