"""Explicit mapping between rows and domain objects: ``*_values`` to write, ``*_from_row``
to read. The domain classes never learn about the database."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from oolvay.application.ports import FailedDispatch
from oolvay.domain.bounces import BounceEvent
from oolvay.domain.credentials import EditorSession
from oolvay.domain.deliveries import Delivery
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import Post
from oolvay.domain.reports import Report, ReportId, ReportStatus
from oolvay.domain.sends import Send, SendId
from oolvay.domain.tokens import ApiToken
from oolvay.domain.users import User

Values = dict[str, Any]


def post_values(post: Post) -> Values:
    return {
        "id": post.id,
        "title": post.title,
        "body": post.body,
        "author_id": post.author_id,
        "notification_type": post.notification_type.value,
        "created_at": post.created_at,
        "status": post.status.value,
        "published_at": post.published_at,
        "version": post.version,
    }


def post_from_row(row: Row[Any]) -> Post:
    return Post(
        id=PostId(row.id),
        title=row.title,
        body=row.body,
        author_id=UserId(row.author_id),
        notification_type=row.notification_type,
        created_at=row.created_at,
        status=row.status,
        published_at=row.published_at,
        version=row.version,
    )


def user_values(user: User) -> Values:
    return {
        "id": user.id,
        "email": user.email,
        "email_key": user.email_key,
        "created_at": user.created_at,
        "active": user.active,
        "email_verified": user.email_verified,
        "bounced": user.bounced,
        "wants_post_emails": user.wants_post_emails,
        "is_editor": user.is_editor,
    }


def user_from_row(row: Row[Any]) -> User:
    return User(
        id=UserId(row.id),
        email=row.email,
        created_at=row.created_at,
        active=row.active,
        email_verified=row.email_verified,
        bounced=row.bounced,
        wants_post_emails=row.wants_post_emails,
        is_editor=row.is_editor,
    )


def delivery_from_row(row: Row[Any]) -> Delivery:
    """A delivery row joined with its user's ``email``."""
    return Delivery(
        post_id=PostId(row.post_id),
        user_id=UserId(row.user_id),
        state=row.state,
        updated_at=row.updated_at,
        error=row.error,
        attempts=row.attempts,
        retriable=row.retriable,
        email=row.email,
    )


def send_values(send: Send) -> Values:
    return {
        "id": send.id,
        "post_id": send.post_id,
        "created_at": send.created_at,
        "planned_at": send.planned_at,
        "audience": send.audience,
        "round": send.round,
        "batches": send.batches,
        "batch_size": send.batch_size,
        "finished_at": send.finished_at,
        "cancelled_at": send.cancelled_at,
        "error": send.error,
    }


def send_from_row(row: Row[Any]) -> Send:
    return Send(
        id=SendId(row.id),
        post_id=PostId(row.post_id),
        created_at=row.created_at,
        planned_at=row.planned_at,
        audience=row.audience,
        round=row.round,
        batches=row.batches,
        batch_size=row.batch_size,
        finished_at=row.finished_at,
        cancelled_at=row.cancelled_at,
        error=row.error,
    )


def api_token_values(token: ApiToken) -> Values:
    return {
        "id": token.id,
        "user_id": token.user_id,
        "name": token.name,
        "token_hash": token.token_hash,
        "created_at": token.created_at,
        "revoked_at": token.revoked_at,
    }


def api_token_from_row(row: Row[Any]) -> ApiToken:
    return ApiToken(
        id=row.id,
        user_id=UserId(row.user_id),
        name=row.name,
        token_hash=row.token_hash,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def failed_dispatch_values(failure: FailedDispatch) -> Values:
    return {
        "id": failure.id,
        "queue": failure.queue,
        "job_name": failure.job_name,
        "payload": dict(failure.payload),
        "error": failure.error,
        "failed_at": failure.failed_at,
        "context": dict(failure.context),
        "attempts": failure.attempts,
        "resolved_at": failure.resolved_at,
    }


def failed_dispatch_from_row(row: Row[Any]) -> FailedDispatch:
    return FailedDispatch(
        id=row.id,
        queue=row.queue,
        job_name=row.job_name,
        payload=row.payload,
        error=row.error,
        failed_at=row.failed_at,
        context=row.context,
        attempts=row.attempts,
        resolved_at=row.resolved_at,
    )


def report_values(report: Report) -> Values:
    return {
        "id": report.id,
        "post_id": report.post_id,
        "requested_by": report.requested_by,
        "requested_at": report.requested_at,
        "status": report.status.value,
        "completed_at": report.completed_at,
        "row_count": report.row_count,
        "error": report.error,
        "notified_at": report.notified_at,
    }


def report_from_row(row: Row[Any]) -> Report:
    return Report(
        id=ReportId(row.id),
        post_id=PostId(row.post_id),
        requested_by=UserId(row.requested_by),
        requested_at=row.requested_at,
        status=ReportStatus(row.status),
        completed_at=row.completed_at,
        row_count=row.row_count,
        error=row.error,
        notified_at=row.notified_at,
    )


def bounce_event_values(event: BounceEvent) -> Values:
    return {
        "id": event.id,
        "user_id": event.user_id,
        "post_id": event.post_id,
        "kind": event.kind.value,
        "received_at": event.received_at,
        "status": event.status,
        "detail": event.detail,
        "source": event.source,
    }


def bounce_event_from_row(row: Row[Any]) -> BounceEvent:
    return BounceEvent(
        id=row.id,
        user_id=UserId(row.user_id),
        post_id=PostId(row.post_id),
        kind=row.kind,
        received_at=row.received_at,
        status=row.status,
        detail=row.detail,
        source=row.source,
    )


def editor_session_values(session: EditorSession) -> Values:
    return {
        "id": session.id,
        "user_id": session.user_id,
        "token_hash": session.token_hash,
        "created_at": session.created_at,
        "expires_at": session.expires_at,
        "last_seen_at": session.last_seen_at,
    }


def editor_session_from_row(row: Row[Any]) -> EditorSession:
    return EditorSession(
        id=row.id,
        user_id=UserId(row.user_id),
        token_hash=row.token_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_seen_at=row.last_seen_at,
    )
