"""Domain errors: each names a broken rule, and each adapter maps them at its edge."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused an operation."""


class NotFound(DomainError):
    """The thing asked for does not exist."""


class Conflict(DomainError):
    """The operation does not fit the thing's current state."""


class InvalidInput(DomainError):
    """A value breaks an invariant; ``field`` names the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotAuthenticated(DomainError):
    """No credentials, or credentials that prove nothing (unknown or revoked token)."""


class PermissionDenied(DomainError):
    """Known caller, not allowed to do this."""


class PostNotFound(NotFound):
    def __init__(self, post_id: object) -> None:
        super().__init__(f"post {post_id} does not exist")
        self.post_id = post_id


class UserNotFound(NotFound):
    def __init__(self, user_id: object) -> None:
        super().__init__(f"user {user_id} does not exist")
        self.user_id = user_id


class NoUserWithEmail(NotFound):
    def __init__(self) -> None:
        super().__init__("no user has this email address")


class PostAlreadyPublished(Conflict):
    def __init__(self, post_id: object) -> None:
        super().__init__(f"post {post_id} is already published")
        self.post_id = post_id


class PostNotPublished(Conflict):
    def __init__(self, post_id: object) -> None:
        super().__init__(f"post {post_id} is not published")
        self.post_id = post_id


class OnlyDraftsCanBeDeleted(Conflict):
    def __init__(self, post_id: object) -> None:
        super().__init__(f"post {post_id} is published; only drafts can be deleted")
        self.post_id = post_id


class NothingToResend(Conflict):
    def __init__(self, post_id: object, *, sending: int = 0, uncertain: int = 0) -> None:
        details = ["no recipient of the post is failed, queued or cancelled"]
        if uncertain:
            details.append(f"{uncertain} uncertain (resend them explicitly if you must)")
        if sending:
            details.append(f"{sending} being sent now")
        super().__init__(f"nothing to resend for post {post_id}: " + "; ".join(details))
        self.post_id = post_id
        self.sending = sending
        self.uncertain = uncertain


class EmailAlreadyRegistered(Conflict):
    def __init__(self, email: str) -> None:
        super().__init__(f"a user with email {email} already exists")
        self.email = email


class ConcurrentUpdate(Conflict):
    """Someone else changed the same thing first; reload and try again."""


class EmptyTitle(InvalidInput):
    def __init__(self) -> None:
        super().__init__("title", "a post cannot be published with an empty title")


class InvalidEmailAddress(InvalidInput):
    def __init__(self, address: str, reason: str) -> None:
        super().__init__("email", f"{address!r} is not a valid email address ({reason})")
        self.address = address
        self.reason = reason


class SendNotFound(NotFound):
    def __init__(self, post_id: object) -> None:
        super().__init__(f"post {post_id} has no email send (it sends no email)")
        self.post_id = post_id


class RateLimited(DomainError):
    """Too many attempts of one kind from one client or for one account; try again later."""

    def __init__(self, what: str, retry_after_seconds: int) -> None:
        super().__init__(f"too many {what}; try again in {retry_after_seconds} seconds")
        self.what = what
        self.retry_after_seconds = retry_after_seconds
