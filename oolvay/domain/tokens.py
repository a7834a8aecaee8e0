"""Personal API tokens of editors. Only a hash of the secret is ever stored."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime

import attrs

from oolvay.domain.ids import UserId
from oolvay.domain.text import no_nul
from oolvay.domain.time import require_aware

TOKEN_PREFIX = "oolvay_"  # noqa: S105 - a public marker, not a secret


def hash_token(secret: str) -> str:
    """The stored form of a token: SHA-256 is enough for 256 random bits (no brute force)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@attrs.define
class ApiToken:
    id: uuid.UUID
    user_id: UserId
    name: str = attrs.field(validator=no_nul)
    token_hash: str
    created_at: datetime = attrs.field(validator=require_aware)
    revoked_at: datetime | None = attrs.field(default=None, validator=require_aware)

    @classmethod
    def issue(cls, *, user_id: UserId, name: str, now: datetime) -> tuple[ApiToken, str]:
        """A new token and its secret; the secret is shown once and never stored."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls(
            id=uuid.uuid4(),
            user_id=user_id,
            name=name,
            token_hash=hash_token(secret),
            created_at=now,
        )
        return token, secret

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now
