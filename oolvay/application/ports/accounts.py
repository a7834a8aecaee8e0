"""Ports for editors' accounts: passwords, sessions, the subscriber list, rate limits."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

import attrs

from oolvay.application.rate_limits import RateDecision, RateLimit
from oolvay.domain.credentials import EditorSession
from oolvay.domain.ids import UserId
from oolvay.domain.users import Standing, User


class EditorPasswordRepository(Protocol):
    def get(self, user_id: UserId) -> str | None:
        """The stored hash of the editor's password, or None if none was set."""
        ...

    def set(self, user_id: UserId, password_hash: str, *, now: datetime) -> None:
        """Store (or replace) the editor's password hash."""
        ...


class EditorSessionRepository(Protocol):
    def add(self, session: EditorSession) -> None: ...

    def get_by_hash(self, token_hash: str) -> EditorSession | None: ...

    def update(self, session: EditorSession) -> None:
        """Store a new last-seen and expiry time."""
        ...

    def delete(self, session_id: uuid.UUID) -> None: ...

    def delete_for_user(self, user_id: UserId) -> int:
        """End every session of the user (a new password); returns how many."""
        ...

    def delete_expired(self, now: datetime) -> int: ...


class SubscriberDirectory(Protocol):
    """Users as the subscriber list shows them: found by address, by standing."""

    def search(
        self, *, text: str, standing: Standing | None, limit: int, offset: int
    ) -> Sequence[User]:
        """Users whose email contains ``text`` (any case), newest first."""
        ...

    def count(self, *, text: str, standing: Standing | None) -> int: ...

    def count_by_standing(self) -> Mapping[Standing, int]: ...


@attrs.frozen
class PasswordCheck:
    matches: bool
    new_hash: str | None = None
    """A fresh hash of the same password when the stored one uses outdated parameters."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str:
        """A salted, slow hash of ``password``, fit for storing."""
        ...

    def verify(self, password: str, stored: str | None) -> PasswordCheck:
        """Whether ``password`` matches ``stored``. With no stored hash it spends the same
        time and says no, so the answer's timing tells nothing about which accounts exist."""
        ...


class RateLimiter(Protocol):
    def hit(self, limit: RateLimit, key: str) -> RateDecision:
        """Count one event for ``key`` under ``limit`` if it fits; say whether it did and,
        if not, how long until one would. Shared by every process of the service."""
        ...
