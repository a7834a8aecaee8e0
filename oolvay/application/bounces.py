"""Bounces and complaints that come back: whom and which post they are about (by the return
path, never by what a report claims), and the suppression they cause."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import attrs
import structlog

from oolvay.application.ports import Clock, ReturnPaths, UnitOfWork
from oolvay.domain.bounces import BounceEvent, BounceKind
from oolvay.domain.errors import PostNotFound
from oolvay.domain.ids import PostId, UserId

log = structlog.get_logger(__name__)

DETAIL_LENGTH = 500


@attrs.frozen
class ReturnedMail:
    """What a returned message says, as read by an inbound adapter."""

    kind: BounceKind
    return_paths: tuple[str, ...]
    """Addresses that may be the return path the original was sent with: the envelope
    recipient of the report, the headers a mail server adds on delivery, and the
    original's own return path when the report carries it. Only a genuine one counts."""
    status: str | None = None
    detail: str | None = None


class Outcome(enum.StrEnum):
    SUPPRESSED = "suppressed"
    """A new event, and the address gets no more mail."""
    RECORDED = "recorded"
    """A new event (a soft bounce, or an address suppressed already)."""
    DUPLICATE = "duplicate"
    """Seen before: the same report, or another of its kind for that recipient and post."""
    NOT_OURS = "not_ours"
    """No genuine return path of ours: forged, for a deleted user, or not a reply to us."""


@attrs.frozen
class ProcessReturnedMail:
    uow: UnitOfWork
    return_paths: ReturnPaths
    clock: Clock

    def __call__(self, mail: ReturnedMail, *, source: str) -> Outcome:
        with self.uow:
            found = self._recipient(mail.return_paths)
            user = self.uow.users.get(found[0]) if found else None
            if found is None or user is None:
                log.info("Returned mail ignored", reason="no genuine return path", source=source)
                return Outcome.NOT_OURS
            event = BounceEvent.record(
                user_id=user.id,
                post_id=found[1],
                kind=mail.kind,
                now=self.clock.now(),
                status=mail.status,
                detail=(mail.detail or "")[:DETAIL_LENGTH] or None,
                source=source,
            )
            if not self.uow.bounce_events.add(event):
                return Outcome.DUPLICATE
            suppress = mail.kind.suppresses and not user.is_suppressed
            if suppress:
                if mail.kind is BounceKind.COMPLAINT:
                    user.mark_complained()
                else:
                    user.mark_bounced()
                self.uow.users.update(user)
            self.uow.commit()
        log.info(
            "Returned mail recorded",
            kind=str(mail.kind),
            status=mail.status,
            user_id=str(user.id),
            post_id=str(found[1]),
            suppressed=suppress,
            source=source,
        )
        return Outcome.SUPPRESSED if suppress else Outcome.RECORDED

    def _recipient(self, addresses: Sequence[str]) -> tuple[UserId, PostId] | None:
        for address in addresses:
            claim = self.return_paths.read(address)
            if claim is None:
                continue
            for post_id in self.uow.posts.ids_with_prefix(claim.post_prefix):
                user_id = self.return_paths.verify(address, post_id)
                if user_id is not None:
                    return user_id, post_id
        return None


EVER = datetime(1970, 1, 1, tzinfo=UTC)


@attrs.frozen
class PostFeedback:
    """A post's bounces and complaints, and its complaint rate: the spam rate Gmail and
    Yahoo ask bulk senders to keep under 0.3%."""

    sent: int
    counts: Mapping[BounceKind, int]

    @property
    def complaint_rate(self) -> float | None:
        return self.counts.get(BounceKind.COMPLAINT, 0) / self.sent if self.sent else None


@attrs.frozen
class GetPostFeedback:
    uow: UnitOfWork

    def __call__(self, post_id: PostId) -> PostFeedback:
        with self.uow:
            if self.uow.posts.get(post_id) is None:
                raise PostNotFound(post_id)
            sent = self.uow.deliveries.sent_since(post_id, EVER)
            return PostFeedback(sent=sent, counts=self.uow.bounce_events.counts_for_post(post_id))
