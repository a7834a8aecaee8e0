"""HmacUserTokens: tokens that name a user, signed with the secret key for one purpose."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid

from oolvay.domain.ids import UserId

_MAC_BYTES = 16
"""128 bits: far beyond guessing, and short enough for a tidy link."""
_TOKEN_LENGTH = 45
"""22 characters of user id, a dot, 22 characters of signature."""


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class HmacUserTokens:
    """Implements the UserTokens port: ``<user id>.<HMAC-SHA256(purpose, user id)>``.

    Nothing is stored: the signature is the proof. The purpose goes into the key, so a
    token made for one purpose never verifies for another, even under the same secret.
    """

    def __init__(self, secret_key: str, *, purpose: str) -> None:
        if not secret_key:
            raise ValueError("the secret key is empty")
        self._key = hmac.digest(secret_key.encode(), f"oolvay:{purpose}".encode(), "sha256")

    def issue(self, user_id: UserId) -> str:
        return f"{_encode(user_id.bytes)}.{_encode(self._mac(user_id.bytes))}"

    def verify(self, token: str) -> UserId | None:
        if len(token) != _TOKEN_LENGTH or not token.isascii():
            return None
        try:
            raw_id = _decode(token.partition(".")[0])
        except (binascii.Error, ValueError):
            return None
        if len(raw_id) != 16:
            return None
        user_id = UserId(uuid.UUID(bytes=raw_id))
        # Compared with the one canonical token, so no other spelling of it is accepted.
        return user_id if hmac.compare_digest(token, self.issue(user_id)) else None

    def _mac(self, raw_id: bytes) -> bytes:
        return hmac.digest(self._key, raw_id, hashlib.sha256)[:_MAC_BYTES]
