"""Unsubscribe: a token from an email's unsubscribe link turns off that user's post emails."""

from __future__ import annotations

import attrs
import structlog

from oolvay.application.ports import UnitOfWork, UserTokens

log = structlog.get_logger(__name__)


@attrs.frozen
class UnsubscribeResult:
    """The same for every token, so that a caller cannot learn which accounts exist.

    ``changed`` is for logs and tests only: whether this call turned anything off."""

    changed: bool


@attrs.frozen
class Unsubscribe:
    uow: UnitOfWork
    tokens: UserTokens

    def __call__(self, token: str) -> UnsubscribeResult:
        user_id = self.tokens.verify(token)
        if user_id is None:
            log.info("Unsubscribe ignored", reason="invalid token")
            return UnsubscribeResult(changed=False)
        with self.uow:
            user = self.uow.users.get(user_id)
            if user is None or not user.wants_post_emails:
                reason = "unknown user" if user is None else "already unsubscribed"
                log.info("Unsubscribe ignored", reason=reason, user_id=str(user_id))
                return UnsubscribeResult(changed=False)
            user.unsubscribe()
            self.uow.users.update(user)
            self.uow.commit()
        log.info("Unsubscribed from post emails", user_id=str(user_id))
        return UnsubscribeResult(changed=True)
