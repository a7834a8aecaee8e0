"""Ports for email: sending, rendering, and the tokens in emailed links."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

import attrs

from oolvay.application.messages import EmailMessage, SendResult
from oolvay.domain.ids import PostId, UserId
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


class EmailAddresses(Protocol):
    """Where addresses come in (the subscribe page and API, imports, editors): one mailbox,
    one spelling."""

    def normalise(self, raw: str) -> str:
        """The form to store and compare (domain in Unicode and lower case, local part in
        NFC), or InvalidEmailAddress with the reason. Checks syntax only, never DNS."""
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


@attrs.frozen
class ReturnPathClaim:
    """What a return path says about itself before it is checked: the user, and the first
    bytes of the post's id (the whole id would not fit in 64 characters)."""

    user_id: UserId
    post_prefix: bytes


class ReturnPaths(Protocol):
    """Per-recipient envelope senders (VERP): a bounce or complaint that comes back to one
    names its recipient and post, and only a genuine one does."""

    def address(self, user_id: UserId, post_id: PostId) -> str:
        """The envelope sender for this recipient of this post."""
        ...

    def read(self, address: str) -> ReturnPathClaim | None:
        """What ``address`` claims, when it has the form of one of ours; not yet proof."""
        ...

    def verify(self, address: str, post_id: PostId) -> UserId | None:
        """The user ``address`` names if it is genuinely ours for ``post_id``; else None."""
        ...
