"""Fakes of the editors' sign-in ports and the subscriber list."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import datetime, timedelta

from oolvay.application.ports import PasswordCheck
from oolvay.application.rate_limits import RateDecision, RateLimit
from oolvay.domain.credentials import EditorSession
from oolvay.domain.ids import UserId
from oolvay.domain.users import Standing, User


class FakeEditorPasswordRepository:
    def __init__(self, passwords: MutableMapping[UserId, str]) -> None:
        self._passwords = passwords

    def get(self, user_id: UserId) -> str | None:
        return self._passwords.get(user_id)

    def set(self, user_id: UserId, password_hash: str, *, now: datetime) -> None:
        self._passwords[user_id] = password_hash


class FakeEditorSessionRepository:
    def __init__(self, sessions: MutableMapping[uuid.UUID, EditorSession]) -> None:
        self._sessions = sessions

    def add(self, session: EditorSession) -> None:
        self._sessions[session.id] = copy.deepcopy(session)

    def get_by_hash(self, token_hash: str) -> EditorSession | None:
        for session in self._sessions.values():
            if session.token_hash == token_hash:
                return copy.deepcopy(session)
        return None

    def update(self, session: EditorSession) -> None:
        self._sessions[session.id] = copy.deepcopy(session)

    def delete(self, session_id: uuid.UUID) -> None:
        self._sessions.pop(session_id, None)

    def delete_for_user(self, user_id: UserId) -> int:
        return self._delete_where(lambda s: s.user_id == user_id)

    def delete_expired(self, now: datetime) -> int:
        return self._delete_where(lambda s: s.expires_at <= now)

    def _delete_where(self, condition: Callable[[EditorSession], bool]) -> int:
        doomed = [key for key, session in self._sessions.items() if condition(session)]
        for key in doomed:
            del self._sessions[key]
        return len(doomed)


class FakeSubscriberDirectory:
    def __init__(self, users: Mapping[UserId, User]) -> None:
        self._users = users

    def _matching(self, text: str, standing: Standing | None) -> list[User]:
        found = [
            u
            for u in self._users.values()
            if text.lower() in u.email.lower() and (standing is None or u.standing is standing)
        ]
        return sorted(found, key=lambda u: (u.created_at, u.id), reverse=True)

    def search(
        self, *, text: str, standing: Standing | None, limit: int, offset: int
    ) -> Sequence[User]:
        return copy.deepcopy(self._matching(text, standing)[offset : offset + limit])

    def count(self, *, text: str, standing: Standing | None) -> int:
        return len(self._matching(text, standing))

    def count_by_standing(self) -> Mapping[Standing, int]:
        return {s: sum(u.standing is s for u in self._users.values()) for s in Standing}


class FakePasswordHasher:
    """Reversible on purpose: tests read what was stored. ``outdated`` hashes verify but
    ask to be replaced, as a hash made with old parameters would."""

    def hash(self, password: str) -> str:
        return f"fake${password}"

    def verify(self, password: str, stored: str | None) -> PasswordCheck:
        if stored is None:
            return PasswordCheck(matches=False)
        if stored == f"outdated${password}":
            return PasswordCheck(matches=True, new_hash=self.hash(password))
        return PasswordCheck(matches=stored == self.hash(password))


class FakeRateLimiter:
    """Allows ``allow`` hits per (limit, key), then refuses with ``retry_after``."""

    def __init__(
        self, allow: int = 1_000_000, retry_after: timedelta = timedelta(seconds=30)
    ) -> None:
        self.allow = allow
        self.retry_after = retry_after
        self.hits: dict[tuple[str, str], int] = {}

    def hit(self, limit: RateLimit, key: str) -> RateDecision:
        count = self.hits.get((limit.name, key), 0)
        if count >= self.allow:
            return RateDecision(allowed=False, retry_after=self.retry_after)
        self.hits[(limit.name, key)] = count + 1
        return RateDecision(allowed=True)
