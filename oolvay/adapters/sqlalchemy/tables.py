"""The schema as SQLAlchemy Core tables. Alembic migrations create it; this mirrors them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from oolvay.domain.bounces import BounceKind
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.posts import NotificationType, PostStatus
from oolvay.domain.reports import ReportStatus

# Named constraints, so that migrations can refer to them on both databases.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out.

    SQLite has no time zones: values are stored as naive UTC, so that text comparison is
    time comparison. PostgreSQL stores ``timestamptz``."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the database stores aware UTC times")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


def _one_of(column: str, values: type[Any]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{member.value}'" for member in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_known")


users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    # One mailbox, one user: the address with its local part lower-cased as well, made by
    # the domain (``email_key``) so that both databases compare alike (SQLite's lower()
    # knows only ASCII).
    sa.Column("email_key", sa.String(254), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("active", sa.Boolean(), nullable=False),
    sa.Column("email_verified", sa.Boolean(), nullable=False),
    sa.Column("bounced", sa.Boolean(), nullable=False),
    sa.Column("wants_post_emails", sa.Boolean(), nullable=False),
    sa.Column("is_editor", sa.Boolean(), nullable=False),
    # The audience page filters on these flags and walks ids in order: one index range scan.
    sa.Index(None, "active", "email_verified", "bounced", "wants_post_emails", "id"),
    sa.Index(None, "email_key", unique=True),
)

posts = sa.Table(
    "posts",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("author_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False),
    sa.Column("notification_type", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("published_at", UtcDateTime(), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
    _one_of("notification_type", NotificationType),
    _one_of("status", PostStatus),
    sa.Index(None, "created_at", "id"),
    sa.Index(None, "status", "created_at", "id"),
    sa.Index(None, "author_id"),
)

sends = sa.Table(
    "sends",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column(
        "post_id",
        sa.Uuid(),
        sa.ForeignKey("posts.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("planned_at", UtcDateTime(), nullable=True),
    sa.Column("audience", sa.Integer(), nullable=True),
    sa.Column("round", sa.Integer(), nullable=False),
    sa.Column("batches", sa.Integer(), nullable=False),
    sa.Column("batch_size", sa.Integer(), nullable=True),
    sa.Column("finished_at", UtcDateTime(), nullable=True),
    sa.Column("cancelled_at", UtcDateTime(), nullable=True),
    sa.Column("error", sa.Text(), nullable=True),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    # The primary key is the unique (post, user) constraint: one record per recipient.
    sa.Column(
        "post_id", sa.Uuid(), sa.ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("round", sa.Integer(), nullable=False),
    sa.Column("batch", sa.Integer(), nullable=False),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("retriable", sa.Boolean(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    # The lease of the batch run that claimed it (send_leases.id).
    sa.Column("claimant", sa.String(64), nullable=True),
    sa.Column("claimed_at", UtcDateTime(), nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    _one_of("state", DeliveryState),
    # A batch's claim: one index range per (post, round, batch).
    sa.Index(None, "post_id", "round", "batch", "state"),
    # Counts by state, the rate (sent since ...), the failed ones newest first.
    sa.Index(None, "post_id", "state", "updated_at"),
    sa.Index(None, "user_id"),
)

# A batch run's claim on its recipients; see oolvay/application/ports/sending.py.
send_leases = sa.Table(
    "send_leases",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("post_id", sa.Uuid(), sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("round", sa.Integer(), nullable=False),
    sa.Column("batch", sa.Integer(), nullable=False),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("heartbeat_at", UtcDateTime(), nullable=False),
    # The recipient being handed to the mail server now, if any.
    sa.Column("in_flight", sa.Uuid(), nullable=True),
    sa.Index(None, "post_id", "round", "batch"),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    sa.Index(None, "user_id"),
)

failed_dispatches = sa.Table(
    "failed_dispatches",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("queue", sa.String(50), nullable=False),
    sa.Column("job_name", sa.String(100), nullable=False),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("error", sa.Text(), nullable=False),
    sa.Column("failed_at", UtcDateTime(), nullable=False),
    sa.Column("context", sa.JSON(), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("resolved_at", UtcDateTime(), nullable=True),
    sa.Index(None, "resolved_at", "failed_at"),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("post_id", sa.Uuid(), sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("requested_by", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("completed_at", UtcDateTime(), nullable=True),
    sa.Column("row_count", sa.Integer(), nullable=True),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("notified_at", UtcDateTime(), nullable=True),
    _one_of("status", ReportStatus),
    sa.Index(None, "post_id"),
)

# The CSV apart from the report row, so that reading a report's status never loads it.
report_contents = sa.Table(
    "report_contents",
    metadata,
    sa.Column(
        "report_id", sa.Uuid(), sa.ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("content", sa.Text(), nullable=False),
)

# Bounces and complaints read from returned mail: one of each kind per recipient and post.
bounce_events = sa.Table(
    "bounce_events",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("post_id", sa.Uuid(), sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(32), nullable=True),
    sa.Column("detail", sa.Text(), nullable=True),
    sa.Column("source", sa.String(16), nullable=False),
    _one_of("kind", BounceKind),
    sa.UniqueConstraint("user_id", "post_id", "kind"),
    sa.Index(None, "post_id", "kind"),
    sa.Index(None, "received_at"),
)

# --- Editors' sign-in and shared rate limits ---------------------------------------

editor_passwords = sa.Table(
    "editor_passwords",
    metadata,
    sa.Column(
        "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

editor_sessions = sa.Table(
    "editor_sessions",
    metadata,
    sa.Column("id", sa.Uuid(), primary_key=True),
    sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # SHA-256 of the cookie's value: a stolen table signs nobody in.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False),
    sa.Index(None, "user_id"),
    sa.Index(None, "expires_at"),
)

# One row per (limit, key): the few numbers of its GCRA state, however many events pass.
rate_limits = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("state", sa.String(200), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Index(None, "expires_at"),
)
