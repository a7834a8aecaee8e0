"""Sends: a send record per post, batch leases, and delivery records for fan-out.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0001 named it through the naming convention a second time; this migration names it right.
OLD_CHECK = "ck_deliveries_ck_deliveries_state_known"
NEW_CHECK = "ck_deliveries_state_known"
NEW_STATES = "'queued', 'sending', 'sent', 'failed', 'uncertain', 'skipped', 'cancelled'"
OLD_STATES = "'pending', 'sent', 'failed'"


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _deliveries(*, new: bool) -> sa.Table:
    """The deliveries table as it is before (``new=False``) or after this migration: SQLite
    cannot tell a copy of a table its CHECK constraints, so the copy is told."""
    columns: list[SchemaItem] = [
        sa.Column("post_id", sa.Uuid(), sa.ForeignKey("posts.id", ondelete="CASCADE")),
        sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("state", sa.String(length=16), nullable=False),
        *(
            [
                sa.Column("round", sa.Integer(), nullable=False),
                sa.Column("batch", sa.Integer(), nullable=False),
            ]
            if new
            else []
        ),
        sa.Column("error", sa.Text(), nullable=True),
        *([sa.Column("retriable", sa.Boolean(), nullable=False)] if new else []),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimant", sa.String(length=64 if new else 200), nullable=True),
        sa.Column("claimed_at", _utc(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.CheckConstraint(
            f"state IN ({NEW_STATES if new else OLD_STATES})", name=NEW_CHECK if new else OLD_CHECK
        ),
        sa.PrimaryKeyConstraint("post_id", "user_id", name="pk_deliveries"),
        sa.Index("ix_deliveries_post_id_state_updated_at", "post_id", "state", "updated_at"),
        sa.Index("ix_deliveries_user_id", "user_id"),
    ]
    return sa.Table("deliveries", sa.MetaData(), *columns)


def upgrade() -> None:
    op.create_table(
        "sends",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("planned_at", _utc(), nullable=True),
        sa.Column("audience", sa.Integer(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=True),
        sa.Column("finished_at", _utc(), nullable=True),
        sa.Column("cancelled_at", _utc(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_sends_post_id_posts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sends"),
        sa.UniqueConstraint("post_id", name="uq_sends_post_id"),
    )
    op.create_table(
        "send_leases",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("heartbeat_at", _utc(), nullable=False),
        sa.Column("in_flight", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_send_leases_post_id_posts", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_send_leases"),
    )
    op.create_index(
        "ix_send_leases_post_id_round_batch", "send_leases", ["post_id", "round", "batch"]
    )

    # Claims of the old runs mean nothing to the new ones: a recipient that was pending is
    # failed (retriable), so that a resend reaches it.
    op.execute("UPDATE deliveries SET claimant = NULL")
    with op.batch_alter_table("deliveries", copy_from=_deliveries(new=False)) as batch:
        batch.drop_constraint(op.f(OLD_CHECK), type_="check")
        batch.add_column(sa.Column("round", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("batch", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("retriable", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.alter_column(
            "claimant", type_=sa.String(length=64), existing_type=sa.String(length=200)
        )
    op.execute(
        "UPDATE deliveries SET state = 'failed', error = 'interrupted by an upgrade' "
        "WHERE state = 'pending'"
    )
    op.execute("UPDATE deliveries SET retriable = TRUE WHERE state = 'failed'")
    with op.batch_alter_table("deliveries") as batch:
        batch.create_check_constraint(op.f(NEW_CHECK), f"state IN ({NEW_STATES})")
        for column in ("round", "batch", "retriable"):
            batch.alter_column(column, server_default=None)
    op.create_index(
        "ix_deliveries_post_id_round_batch_state",
        "deliveries",
        ["post_id", "round", "batch", "state"],
    )
    _sends_for_published_posts()


def _sends_for_published_posts() -> None:
    """Posts published before sends existed get one, planned with what they reached."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT p.id, p.published_at, "
            "(SELECT count(*) FROM deliveries d WHERE d.post_id = p.id) AS reached "
            "FROM posts p WHERE p.status = 'published' AND p.notification_type = 'email'"
        )
    ).all()
    sends = sa.table(
        "sends",
        sa.column("id", sa.Uuid()),
        sa.column("post_id", sa.Uuid()),
        sa.column("created_at", _utc()),
        sa.column("planned_at", _utc()),
        sa.column("audience", sa.Integer()),
        sa.column("round", sa.Integer()),
        sa.column("batches", sa.Integer()),
        sa.column("batch_size", sa.Integer()),
        sa.column("finished_at", _utc()),
    )
    now = datetime.now(UTC)
    values = [
        {
            "id": uuid.uuid4(),
            "post_id": row.id if isinstance(row.id, uuid.UUID) else uuid.UUID(str(row.id)),
            "created_at": now,
            "planned_at": now,
            "audience": row.reached,
            "round": 0,
            "batches": 0,
            "batch_size": 100,
            "finished_at": now,
        }
        for row in rows
    ]
    if values:
        op.bulk_insert(sends, values)


def downgrade() -> None:
    op.drop_index("ix_deliveries_post_id_round_batch_state", table_name="deliveries")
    op.execute("UPDATE deliveries SET claimant = NULL, claimed_at = NULL")
    op.execute(
        "UPDATE deliveries SET state = 'pending' WHERE state IN ('queued', 'sending', 'uncertain')"
    )
    op.execute(
        "UPDATE deliveries SET state = 'failed', error = coalesce(error, state) "
        "WHERE state IN ('skipped', 'cancelled')"
    )
    with op.batch_alter_table("deliveries", copy_from=_deliveries(new=True)) as batch:
        batch.drop_constraint(op.f(NEW_CHECK), type_="check")
        batch.drop_column("retriable")
        batch.drop_column("batch")
        batch.drop_column("round")
        batch.alter_column(
            "claimant", type_=sa.String(length=200), existing_type=sa.String(length=64)
        )
    with op.batch_alter_table("deliveries") as batch:
        batch.create_check_constraint(op.f(OLD_CHECK), f"state IN ({OLD_STATES})")
    op.drop_index("ix_send_leases_post_id_round_batch", table_name="send_leases")
    op.drop_table("send_leases")
    op.drop_table("sends")
