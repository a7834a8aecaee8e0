"""Fake repositories of posts, users, tokens, reports and failed dispatches."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterable, Mapping, Sequence

from oolvay.application.ports import FailedDispatch
from oolvay.domain.bounces import BounceEvent, BounceKind
from oolvay.domain.errors import ConcurrentUpdate
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post, PostStatus
from oolvay.domain.reports import Report, ReportId
from oolvay.domain.tokens import ApiToken
from oolvay.domain.users import AudienceRule, User, email_key
from tests.fakes.store import FakeStore


class FakePostRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, post: Post) -> None:
        self._store.posts[post.id] = copy.deepcopy(post)

    def get(self, post_id: PostId) -> Post | None:
        post = self._store.posts.get(post_id)
        return copy.deepcopy(post) if post is not None else None

    def update(self, post: Post) -> None:
        stored = self._store.posts[post.id]
        if stored.version != post.version:
            raise ConcurrentUpdate(f"post {post.id} changed since it was read")
        post.version += 1
        self._store.posts[post.id] = copy.deepcopy(post)

    def delete(self, post_id: PostId) -> None:
        # Its send, leases and delivery records go with the post (ON DELETE CASCADE).
        self._store.posts.pop(post_id, None)
        self._store.sends.pop(post_id, None)
        for key in [k for k in self._store.deliveries if k[0] == post_id]:
            del self._store.deliveries[key]
        for lease_id in [i for i, lease in self._store.leases.items() if lease.post_id == post_id]:
            del self._store.leases[lease_id]

    def list(self, *, status: PostStatus | None, limit: int, offset: int) -> Sequence[Post]:
        chosen = [p for p in self._store.posts.values() if status is None or p.status is status]
        chosen.sort(key=lambda p: (p.created_at, p.id), reverse=True)
        return [copy.deepcopy(p) for p in chosen[offset : offset + limit]]

    def count(self, *, status: PostStatus | None) -> int:
        return sum(1 for p in self._store.posts.values() if status is None or p.status is status)

    def ids_with_prefix(self, prefix: bytes) -> Sequence[PostId]:
        return [post_id for post_id in self._store.posts if post_id.bytes.startswith(prefix)]


class FakeUserRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, user: User) -> None:
        self._store.users[user.id] = copy.deepcopy(user)

    def add_many(self, users: Iterable[User]) -> int:
        taken = {u.email_key for u in self._store.users.values()}
        inserted = 0
        for user in users:
            if user.email_key not in taken:
                taken.add(user.email_key)
                self.add(user)
                inserted += 1
        return inserted

    def get(self, user_id: UserId) -> User | None:
        user = self._store.users.get(user_id)
        return copy.deepcopy(user) if user is not None else None

    def get_by_email(self, email: str) -> User | None:
        for user in self._store.users.values():
            if user.email_key == email_key(email):
                return copy.deepcopy(user)
        return None

    def update(self, user: User) -> None:
        self._store.users[user.id] = copy.deepcopy(user)

    def list_editors(self) -> Sequence[User]:
        editors = [u for u in self._store.users.values() if u.is_editor]
        return [copy.deepcopy(u) for u in sorted(editors, key=lambda u: u.email)]

    def list_suppressed(self, *, limit: int, offset: int = 0) -> Sequence[User]:
        chosen = sorted((u for u in self._store.users.values() if u.bounced), key=email_key_of)
        return [copy.deepcopy(u) for u in chosen[offset : offset + limit]]

    def count_audience(self, rule: AudienceRule) -> int:
        return sum(1 for user in self._store.users.values() if rule.matches(user))


class FakeApiTokenRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, token: ApiToken) -> None:
        self._store.api_tokens[token.id] = copy.deepcopy(token)

    def get(self, token_id: uuid.UUID) -> ApiToken | None:
        token = self._store.api_tokens.get(token_id)
        return copy.deepcopy(token) if token is not None else None

    def get_by_hash(self, token_hash: str) -> ApiToken | None:
        for token in self._store.api_tokens.values():
            if token.token_hash == token_hash:
                return copy.deepcopy(token)
        return None

    def list_for_user(self, user_id: UserId) -> Sequence[ApiToken]:
        mine = [t for t in self._store.api_tokens.values() if t.user_id == user_id]
        return [copy.deepcopy(t) for t in sorted(mine, key=lambda t: t.created_at)]

    def update(self, token: ApiToken) -> None:
        self._store.api_tokens[token.id] = copy.deepcopy(token)


def email_key_of(user: User) -> str:
    return user.email_key


class FakeBounceEventRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, event: BounceEvent) -> bool:
        key = (event.user_id, event.post_id, event.kind)
        if key in self._store.bounce_events:
            return False
        self._store.bounce_events[key] = event
        return True

    def for_user(self, user_id: UserId, *, limit: int) -> Sequence[BounceEvent]:
        mine = [e for e in self._store.bounce_events.values() if e.user_id == user_id]
        return sorted(mine, key=lambda e: e.received_at, reverse=True)[:limit]

    def latest_for_users(self, user_ids: Sequence[UserId]) -> Mapping[UserId, BounceEvent]:
        latest: dict[UserId, BounceEvent] = {}
        for event in sorted(self._store.bounce_events.values(), key=lambda e: e.received_at):
            if event.user_id in user_ids and event.kind.suppresses:
                latest[event.user_id] = event
        return latest

    def count_for_user(self, user_id: UserId, kind: BounceKind) -> int:
        return sum(
            1 for e in self._store.bounce_events.values() if (e.user_id, e.kind) == (user_id, kind)
        )

    def counts_for_post(self, post_id: PostId) -> Mapping[BounceKind, int]:
        counts: dict[BounceKind, int] = {}
        for event in self._store.bounce_events.values():
            if event.post_id == post_id:
                counts[event.kind] = counts.get(event.kind, 0) + 1
        return counts


class FakeReportRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, report: Report) -> None:
        self._store.reports[report.id] = copy.deepcopy(report)

    def get(self, report_id: ReportId) -> Report | None:
        report = self._store.reports.get(report_id)
        return copy.deepcopy(report) if report is not None else None

    def update(self, report: Report) -> None:
        self._store.reports[report.id] = copy.deepcopy(report)

    def store_content(self, report_id: ReportId, content: str) -> None:
        self._store.report_contents[report_id] = content

    def content(self, report_id: ReportId) -> str | None:
        return self._store.report_contents.get(report_id)


class FakeFailedDispatchRepository:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def add(self, failure: FailedDispatch) -> None:
        self._store.failed_dispatches[failure.id] = failure

    def get(self, failure_id: uuid.UUID) -> FailedDispatch | None:
        return self._store.failed_dispatches.get(failure_id)

    def list_unresolved(self, *, limit: int) -> Sequence[FailedDispatch]:
        pending = [f for f in self._store.failed_dispatches.values() if not f.is_resolved]
        return sorted(pending, key=lambda f: f.failed_at)[:limit]

    def update(self, failure: FailedDispatch) -> None:
        self._store.failed_dispatches[failure.id] = failure
