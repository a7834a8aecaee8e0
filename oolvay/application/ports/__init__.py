"""Ports: what the use cases need from the outside world, as typing.Protocol classes.

Values that cross them (messages, dispatches) live in ``oolvay.application.messages`` and
``oolvay.application.dispatch``; they are re-exported here for the adapters' convenience."""

from oolvay.application.dispatch import Dispatch, DispatchStatus, FailedDispatch
from oolvay.application.messages import (
    EmailMessage,
    MailTransportUnavailable,
    SendResult,
    SendStatus,
)
from oolvay.application.ports.accounts import (
    EditorPasswordRepository,
    EditorSessionRepository,
    PasswordCheck,
    PasswordHasher,
    RateLimiter,
    SubscriberDirectory,
)
from oolvay.application.ports.mail import (
    EmailAddresses,
    Mailer,
    MailSession,
    NotificationRenderer,
    ReturnPathClaim,
    ReturnPaths,
    UserTokens,
)
from oolvay.application.ports.persistence import (
    ApiTokenRepository,
    BounceEventRepository,
    FailedDispatchRepository,
    PostRepository,
    ReportRepository,
    TransactionRetry,
    UnitOfWork,
    UserRepository,
)
from oolvay.application.ports.sending import (
    DeliveryRepository,
    Lease,
    Liveness,
    Reaped,
    SendRepository,
)
from oolvay.application.ports.system import Clock, ErrorReporter, JobQueue

__all__ = [
    "ApiTokenRepository",
    "BounceEventRepository",
    "Clock",
    "DeliveryRepository",
    "Dispatch",
    "DispatchStatus",
    "EditorPasswordRepository",
    "EditorSessionRepository",
    "EmailAddresses",
    "EmailMessage",
    "ErrorReporter",
    "FailedDispatch",
    "FailedDispatchRepository",
    "JobQueue",
    "Lease",
    "Liveness",
    "MailSession",
    "MailTransportUnavailable",
    "Mailer",
    "NotificationRenderer",
    "PasswordCheck",
    "PasswordHasher",
    "PostRepository",
    "RateLimiter",
    "Reaped",
    "ReportRepository",
    "ReturnPathClaim",
    "ReturnPaths",
    "SendRepository",
    "SendResult",
    "SendStatus",
    "SubscriberDirectory",
    "TransactionRetry",
    "UnitOfWork",
    "UserRepository",
    "UserTokens",
]
