"""Suppressed addresses: who gets no mail and why, and an editor's way to lift it."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import structlog

from oolvay.application.ports import EmailAddresses, UnitOfWork
from oolvay.domain.bounces import BounceEvent
from oolvay.domain.errors import InvalidEmailAddress, NoUserWithEmail
from oolvay.domain.users import User, parse_email_address

log = structlog.get_logger(__name__)


@attrs.frozen
class SubscriberRecord:
    user: User
    events: tuple[BounceEvent, ...]
    """Newest first."""


@attrs.frozen
class Suppressed:
    user: User
    because: BounceEvent | None
    """The newest hard bounce or complaint; None for a suppression older than the records."""


def _find(uow: UnitOfWork, addresses: EmailAddresses, email: str) -> User:
    """The user of this mailbox, however it is spelled. An address the validator refuses
    now may still be stored from before: it is looked up as written."""
    try:
        address = addresses.normalise(email)
    except InvalidEmailAddress:
        address = parse_email_address(email)
    user = uow.users.get_by_email(address)
    if user is None:
        raise NoUserWithEmail()
    return user


@attrs.frozen
class ShowSubscriber:
    uow: UnitOfWork
    addresses: EmailAddresses
    events_shown: int = 20

    def __call__(self, email: str) -> SubscriberRecord:
        with self.uow:
            user = _find(self.uow, self.addresses, email)
            events = self.uow.bounce_events.for_user(user.id, limit=self.events_shown)
        return SubscriberRecord(user, tuple(events))


@attrs.frozen
class ListSuppressed:
    uow: UnitOfWork

    def __call__(self, *, limit: int = 100, offset: int = 0) -> Sequence[Suppressed]:
        with self.uow:
            users = self.uow.users.list_suppressed(limit=limit, offset=offset)
            reasons = self.uow.bounce_events.latest_for_users([user.id for user in users])
        return [Suppressed(user, reasons.get(user.id)) for user in users]


@attrs.frozen
class Unsuppress:
    """Mail goes to the address again; its bounce and complaint records stay."""

    uow: UnitOfWork
    addresses: EmailAddresses

    def __call__(self, email: str, *, by: str) -> User:
        with self.uow:
            user = _find(self.uow, self.addresses, email)
            if user.is_suppressed:
                user.unsuppress()
                self.uow.users.update(user)
                self.uow.commit()
                log.info("Suppression lifted", user_id=str(user.id), by=by)
        return user
