"""Initial schema: users, posts, deliveries, api_tokens, failed_dispatches.

Revision ID: 0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("email_verified", sa.Boolean(), nullable=False),
        sa.Column("bounced", sa.Boolean(), nullable=False),
        sa.Column("wants_post_emails", sa.Boolean(), nullable=False),
        sa.Column("is_editor", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_index(
        "ix_users_active_email_verified_bounced_wants_post_emails_id",
        "users",
        ["active", "email_verified", "bounced", "wants_post_emails", "id"],
    )

    op.create_table(
        "posts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("notification_type", sa.String(length=16), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("published_at", _utc(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "notification_type IN ('email', 'none')", name="ck_posts_notification_type_known"
        ),
        sa.CheckConstraint("status IN ('draft', 'published')", name="ck_posts_status_known"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name="fk_posts_author_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_posts"),
    )
    op.create_index("ix_posts_author_id", "posts", ["author_id"])
    op.create_index("ix_posts_created_at_id", "posts", ["created_at", "id"])
    op.create_index("ix_posts_status_created_at_id", "posts", ["status", "created_at", "id"])

    op.create_table(
        "deliveries",
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimant", sa.String(length=200), nullable=True),
        sa.Column("claimed_at", _utc(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'sent', 'failed')", name="ck_deliveries_state_known"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_deliveries_post_id_posts", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_deliveries_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "user_id", name="pk_deliveries"),
    )
    op.create_index(
        "ix_deliveries_post_id_state_updated_at", "deliveries", ["post_id", "state", "updated_at"]
    )
    op.create_index("ix_deliveries_user_id", "deliveries", ["user_id"])

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("revoked_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_api_tokens_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])

    op.create_table(
        "failed_dispatches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("queue", sa.String(length=50), nullable=False),
        sa.Column("job_name", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("failed_at", _utc(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("resolved_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_failed_dispatches"),
    )
    op.create_index(
        "ix_failed_dispatches_resolved_at_failed_at",
        "failed_dispatches",
        ["resolved_at", "failed_at"],
    )


def downgrade() -> None:
    op.drop_table("failed_dispatches")
    op.drop_table("api_tokens")
    op.drop_table("deliveries")
    op.drop_table("posts")
    op.drop_table("users")
