"""The subscriber list as editors keep it: find, add one, remove one."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from oolvay.application.ports import Clock, EmailAddresses, UnitOfWork
from oolvay.domain.errors import EmailAlreadyRegistered, UserNotFound
from oolvay.domain.ids import UserId
from oolvay.domain.users import Standing, User


@attrs.frozen
class SubscriberPage:
    users: list[User]
    total: int
    """How many match the search (all pages)."""
    by_standing: Mapping[Standing, int]
    """The whole list, by standing, whatever the search."""
    limit: int
    offset: int


@attrs.frozen
class ListSubscribers:
    uow: UnitOfWork

    def __call__(
        self, *, text: str = "", standing: Standing | None = None, limit: int, offset: int
    ) -> SubscriberPage:
        text = text.strip()
        with self.uow:
            found = self.uow.subscribers.search(
                text=text, standing=standing, limit=limit, offset=offset
            )
            total = self.uow.subscribers.count(text=text, standing=standing)
            by_standing = self.uow.subscribers.count_by_standing()
        return SubscriberPage(list(found), total, dict(by_standing), limit, offset)


@attrs.frozen
class AddSubscriber:
    """Add one confirmed subscriber, as an import of one address does."""

    uow: UnitOfWork
    clock: Clock
    addresses: EmailAddresses

    def __call__(self, email: str) -> User:
        address = self.addresses.normalise(email)
        user = User.register(email=address, now=self.clock.now(), email_verified=True)
        with self.uow:
            if self.uow.users.get_by_email(user.email) is not None:
                raise EmailAlreadyRegistered(user.email)
            self.uow.users.add(user)
            self.uow.commit()
        return user


@attrs.frozen
class RemoveSubscriber:
    """Stop post emails to a subscriber. The address stays on the list, unsubscribed, so
    that a later import does not add it again."""

    uow: UnitOfWork

    def __call__(self, user_id: UserId) -> User:
        with self.uow:
            user = self.uow.users.get(user_id)
            if user is None:
                raise UserNotFound(user_id)
            user.unsubscribe()
            self.uow.users.update(user)
            self.uow.commit()
        return user
