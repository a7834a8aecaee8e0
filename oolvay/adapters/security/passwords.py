"""Argon2id password hashing through pwdlib."""

from __future__ import annotations

import secrets

from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError
from pwdlib.hashers.argon2 import Argon2Hasher

from oolvay.application.ports import PasswordCheck


class Argon2PasswordHasher:
    """Implements the PasswordHasher port: argon2id with argon2-cffi's parameters.

    A stored hash made with other parameters still verifies, and comes back re-hashed so
    that it can be replaced (when the library's recommended parameters change)."""

    def __init__(self, hasher: Argon2Hasher | None = None) -> None:
        self._hashing = PasswordHash((hasher or Argon2Hasher(),))
        # Verified against when there is no hash, so that an unknown account costs the
        # same time as a wrong password.
        self._decoy = self._hashing.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hashing.hash(password)

    def verify(self, password: str, stored: str | None) -> PasswordCheck:
        if stored is not None:
            try:
                matches, updated = self._hashing.verify_and_update(password, stored)
            except UnknownHashError:
                pass
            else:
                return PasswordCheck(matches=matches, new_hash=updated if matches else None)
        self._hashing.verify(password, self._decoy)
        return PasswordCheck(matches=False)
