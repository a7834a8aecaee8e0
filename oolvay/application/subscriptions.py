"""Subscribing with double opt-in: ask, confirm by the emailed link."""

from __future__ import annotations

import attrs
import structlog

from oolvay.application.mail import send_one
from oolvay.application.ports import (
    Clock,
    EmailAddresses,
    Mailer,
    NotificationRenderer,
    SendStatus,
    UnitOfWork,
    UserTokens,
)
from oolvay.domain.users import User

log = structlog.get_logger(__name__)


@attrs.frozen
class SubscribeResult:
    """The same answer for every address, so that nobody learns which accounts exist.

    ``confirmation_sent`` is for logs and tests only."""

    confirmation_sent: bool


@attrs.frozen
class Subscribe:
    """Record the wish and email a confirmation link; nothing is sent to the address until
    the link is used (double opt-in), so nobody can subscribe someone else."""

    uow: UnitOfWork
    mailer: Mailer
    renderer: NotificationRenderer
    clock: Clock
    addresses: EmailAddresses

    def __call__(self, email: str) -> SubscribeResult:
        address = self.addresses.normalise(email)
        with self.uow:
            user = self.uow.users.get_by_email(address)
            if user is None:
                user = User.register(email=address, now=self.clock.now(), wants_post_emails=True)
                self.uow.users.add(user)
                self.uow.commit()
        if user.receives_post_emails:
            log.info("Subscribe ignored", reason="already subscribed", user_id=str(user.id))
            return SubscribeResult(confirmation_sent=False)
        if not user.active or user.bounced:
            log.info(
                "Subscribe ignored", reason="account cannot receive mail", user_id=str(user.id)
            )
            return SubscribeResult(confirmation_sent=False)
        result = send_one(self.mailer, self.renderer.subscription_confirmation(user))
        if result.status is not SendStatus.SENT:
            log.warning("Confirmation email not sent", user_id=str(user.id), error=result.error)
        return SubscribeResult(confirmation_sent=result.status is SendStatus.SENT)


@attrs.frozen
class ConfirmSubscription:
    """The emailed link proves the address: verify it and turn post emails on."""

    uow: UnitOfWork
    tokens: UserTokens

    def __call__(self, token: str) -> bool:
        user_id = self.tokens.verify(token)
        if user_id is None:
            log.info("Confirmation ignored", reason="invalid token")
            return False
        with self.uow:
            user = self.uow.users.get(user_id)
            if user is None or user.receives_post_emails:
                return False
            user.verify_email()
            user.subscribe()
            self.uow.users.update(user)
            self.uow.commit()
        log.info("Subscription confirmed", user_id=str(user_id))
        return True
