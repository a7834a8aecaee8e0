"""Ports for email: sending, rendering, and the tokens in emailed links."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from oolvay.application.messages import EmailMessage, SendResult
from oolvay.domain.ids import UserId
from oolvay.domain.posts import Post
from oolvay.domain.reports import Report
from oolvay.domain.users import User


class MailSession(Protocol):
    def send(self, message: EmailMessage) -> SendResult:
        """Send one message and say what the server made of it. A refusal of this message
        is a result; a server that cannot take messages now raises MailTransportUnavailable."""
        ...


class Mailer(Protocol):
    def session(self) -> AbstractContextManager[MailSession]:
        """A session for a run of messages, over one connection (taken from a pool, where
        the mailer keeps one, and given back at the end)."""
        ...


class NotificationRenderer(Protocol):
    def post_notification(self, post: Post, user: User) -> EmailMessage:
        """The email that tells ``user`` about ``post``."""
        ...

    def report_ready(self, report: Report, post: Post, user: User) -> EmailMessage:
        """The email that tells the requester their delivery report can be downloaded."""
        ...

    def subscription_confirmation(self, user: User) -> EmailMessage:
        """The email with the link that confirms ``user``'s subscription."""
        ...


class UserTokens(Protocol):
    """Tokens in emailed links (unsubscribe, confirm a subscription): unguessable, bound to one
    user and to one purpose."""

    def issue(self, user_id: UserId) -> str:
        """A URL-safe token that names ``user_id``."""
        ...

    def verify(self, token: str) -> UserId | None:
        """The user a genuine token names; None for anything else. Never raises."""
        ...
