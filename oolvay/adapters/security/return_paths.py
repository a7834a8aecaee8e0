"""HmacReturnPaths: ``bounces+<token>@<domain>``, the token signed like the unsubscribe one."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid

from oolvay.application.ports import ReturnPathClaim
from oolvay.domain.ids import PostId, UserId

POST_PREFIX_BYTES = 8
MAC_BYTES = 8
"""64 bits: a forger must send about 2**63 bounces to suppress one known subscriber."""
TOKEN_LENGTH = 52
"""Base32 of 16 + 8 + 8 bytes, unpadded."""
MAX_LOCAL_PART = 64 - 1 - TOKEN_LENGTH
"""RFC 5321 allows 64 characters before the @: this much is left for ``bounces``."""


class HmacReturnPaths:
    """Implements the ReturnPaths port: ``<local>+<token>@<domain>``, where the token is
    base32 of the user id, the first 8 bytes of the post id, and an HMAC-SHA256 (under a
    key derived from the secret key and the purpose ``bounce``) of the user and the whole
    post id.

    Base32 has one case, because mail servers may change it: Postfix lower-cases the
    Delivered-To header it writes."""

    def __init__(self, secret_key: str, *, bounce_address: str) -> None:
        if not secret_key:
            raise ValueError("the secret key is empty")
        local, at, domain = bounce_address.rpartition("@")
        if not at or not local or "+" in local or len(local) > MAX_LOCAL_PART:
            raise ValueError(
                f"the bounce address needs a local part of 1 to {MAX_LOCAL_PART} characters "
                f"without '+', got {bounce_address!r}"
            )
        self._local, self._domain = local.lower(), domain.lower()
        self._key = hmac.digest(secret_key.encode(), b"oolvay:bounce", "sha256")

    def address(self, user_id: UserId, post_id: PostId) -> str:
        raw = user_id.bytes + post_id.bytes[:POST_PREFIX_BYTES] + self._mac(user_id, post_id)
        token = base64.b32encode(raw).decode("ascii").rstrip("=").lower()
        return f"{self._local}+{token}@{self._domain}"

    def read(self, address: str) -> ReturnPathClaim | None:
        raw = self._token_bytes(address)
        if raw is None:
            return None
        return ReturnPathClaim(UserId(uuid.UUID(bytes=raw[:16])), raw[16 : 16 + POST_PREFIX_BYTES])

    def verify(self, address: str, post_id: PostId) -> UserId | None:
        claim = self.read(address)
        if claim is None or claim.post_prefix != post_id.bytes[:POST_PREFIX_BYTES]:
            return None
        genuine = self.address(claim.user_id, post_id)
        return claim.user_id if hmac.compare_digest(genuine, address.strip().lower()) else None

    def _token_bytes(self, address: str) -> bytes | None:
        local, _, domain = address.strip().lower().rpartition("@")
        prefix, plus, token = local.partition("+")
        if (prefix, plus, domain) != (self._local, "+", self._domain):
            return None
        if len(token) != TOKEN_LENGTH or not token.isascii():
            return None
        try:
            raw = base64.b32decode(token.upper() + "====")
        except (binascii.Error, ValueError):
            return None
        return raw if len(raw) == 16 + POST_PREFIX_BYTES + MAC_BYTES else None

    def _mac(self, user_id: UserId, post_id: PostId) -> bytes:
        return hmac.digest(self._key, user_id.bytes + post_id.bytes, hashlib.sha256)[:MAC_BYTES]
