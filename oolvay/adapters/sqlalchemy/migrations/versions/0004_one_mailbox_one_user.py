"""One mailbox, one user: addresses normalised, duplicates merged, a case-insensitive
unique key; and the table of bounces and complaints.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Users whose addresses are one mailbox (``Ann@example.org`` and ``ann@example.org``, or
``user@bücher.de`` and ``user@xn--bcher-kva.de``) are merged into the earliest of them,
which keeps its preferences; the others' posts, reports and API tokens move to it, and so
do their deliveries where it has none for that post (a delivery already sent to a merged
user counts as sent to the survivor, so nobody is emailed a post twice). Merging cannot
be undone: the downgrade keeps the merged users merged.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from email_validator import EmailNotValidError, validate_email

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("oolvay.migrations")

_users = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("email_key", sa.String()),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("email_verified", sa.Boolean()),
    sa.column("bounced", sa.Boolean()),
    sa.column("is_editor", sa.Boolean()),
)
_deliveries = sa.table(
    "deliveries",
    sa.column("post_id", sa.Uuid()),
    sa.column("user_id", sa.Uuid()),
    sa.column("state", sa.String()),
    sa.column("error", sa.String()),
    sa.column("attempts", sa.Integer()),
    sa.column("claimant", sa.String()),
    sa.column("claimed_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
_FOLLOWERS = (("posts", "author_id"), ("reports", "requested_by"), ("api_tokens", "user_id"))
"""Rows that belong to a user and move to the survivor as they are."""


def _normalised(address: str) -> str:
    """The form the application stores now; an address the validator refuses (it may
    have been accepted before) keeps its spelling, with the domain lower-cased."""
    try:
        return validate_email(address, check_deliverability=False, test_environment=True).normalized
    except EmailNotValidError:
        local, _, domain = address.rpartition("@")
        return f"{local}@{domain.lower()}"


def _key(address: str) -> str:
    # As oolvay.domain.users.email_key (a revision does not import application code).
    local, _, domain = address.rpartition("@")
    return f"{local.lower()}@{domain.lower()}"


def upgrade() -> None:
    op.create_table(
        "bounce_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("post_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "kind IN ('hard_bounce', 'soft_bounce', 'complaint')",
            name="ck_bounce_events_kind_known",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name="fk_bounce_events_post_id_posts", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_bounce_events_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_bounce_events"),
        sa.UniqueConstraint(
            "user_id", "post_id", "kind", name="uq_bounce_events_user_id_post_id_kind"
        ),
    )
    op.create_index("ix_bounce_events_post_id_kind", "bounce_events", ["post_id", "kind"])
    op.create_index("ix_bounce_events_received_at", "bounce_events", ["received_at"])

    # SQLite adds a NOT NULL column only with a default; changing that later would mean
    # copying the users table, and dropping the old one (with foreign keys on) would
    # cascade to every delivery. The empty default never lasts: every row gets its key
    # below, every insert writes one, and the unique index refuses a second empty key.
    op.add_column(
        "users", sa.Column("email_key", sa.String(length=254), nullable=False, server_default="")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("users", "email_key", server_default=None)

    merged, groups = _merge_duplicates()
    op.create_index("ix_users_email_key", "users", ["email_key"], unique=True)
    summary = (
        f"merged {merged} duplicate users into {groups} (the earliest of each mailbox kept)"
        if merged
        else "no duplicate users to merge"
    )
    (log.warning if merged else log.info)("One mailbox, one user: %s", summary)
    context = op.get_context()
    if context.config is not None:
        context.config.print_stdout("0004: %s", summary)


def _merge_duplicates() -> tuple[int, int]:
    """Normalise every address, merge users sharing a mailbox; (users merged, groups)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_users.c.id, _users.c.email).order_by(_users.c.created_at, _users.c.id)
    ).all()
    by_key: dict[str, list[Any]] = defaultdict(list)
    emails: dict[Any, tuple[str, str]] = {}
    for row in rows:
        email = _normalised(row.email)
        by_key[_key(email)].append(row.id)
        emails[row.id] = (row.email, email)
    merged = groups = 0
    # Merge first: two spellings of one address may normalise to the same string, and
    # the email column stays unique.
    for ids in by_key.values():
        survivor, others = ids[0], ids[1:]
        if others:
            _merge(bind, survivor, others)
            log.warning("Merged %d duplicate users into user %s", len(others), survivor)
            merged, groups = merged + len(others), groups + 1
    for key, ids in by_key.items():
        before, after = emails[ids[0]]
        values = {"email_key": key} | ({"email": after} if after != before else {})
        bind.execute(sa.update(_users).where(_users.c.id == ids[0]).values(values))
    return merged, groups


def _merge(bind: sa.Connection, survivor: Any, others: list[Any]) -> None:
    flags = bind.execute(
        sa.select(_users.c.email_verified, _users.c.bounced, _users.c.is_editor).where(
            _users.c.id.in_([survivor, *others])
        )
    ).all()
    # The survivor keeps its preferences; what is true of the mailbox (verified, bounced)
    # or of the person (an editor) holds for it if it held for any of them.
    bind.execute(
        sa.update(_users)
        .where(_users.c.id == survivor)
        .values(
            email_verified=any(row.email_verified for row in flags),
            bounced=any(row.bounced for row in flags),
            is_editor=any(row.is_editor for row in flags),
        )
    )
    for table, column in _FOLLOWERS:
        follower = sa.table(table, sa.column(column, sa.Uuid()))
        bind.execute(
            sa.update(follower).where(follower.c[column].in_(others)).values({column: survivor})
        )
    for other in others:
        _merge_deliveries(bind, survivor, other)
    bind.execute(sa.delete(_users).where(_users.c.id.in_(others)))


def _merge_deliveries(bind: sa.Connection, survivor: Any, other: Any) -> None:
    kept = {
        row.post_id: row.state
        for row in bind.execute(
            sa.select(_deliveries.c.post_id, _deliveries.c.state).where(
                _deliveries.c.user_id == survivor
            )
        )
    }
    for row in bind.execute(sa.select(_deliveries).where(_deliveries.c.user_id == other)).all():
        here = (_deliveries.c.post_id == row.post_id) & (_deliveries.c.user_id == survivor)
        if row.post_id not in kept:
            bind.execute(
                sa.update(_deliveries)
                .where((_deliveries.c.post_id == row.post_id) & (_deliveries.c.user_id == other))
                .values(user_id=survivor)
            )
            continue
        if row.state == "sent" and kept[row.post_id] != "sent":
            values = {name: getattr(row, name) for name in ("state", "error", "updated_at")}
            bind.execute(sa.update(_deliveries).where(here).values(values))
    bind.execute(sa.delete(_deliveries).where(_deliveries.c.user_id == other))


def downgrade() -> None:
    op.drop_index("ix_users_email_key", table_name="users")
    # Not in batch mode: SQLite drops a column in place (3.35+) instead of copying the
    # table, which (with foreign keys on) would cascade to the users' deliveries.
    op.drop_column("users", "email_key")
    op.drop_index("ix_bounce_events_received_at", table_name="bounce_events")
    op.drop_index("ix_bounce_events_post_id_kind", table_name="bounce_events")
    op.drop_table("bounce_events")
