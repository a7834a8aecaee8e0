"""Migration 0004 on databases that hold duplicates: one user per mailbox afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from oolvay.adapters.cli.app import app
from oolvay.adapters.sqlalchemy import tables
from oolvay.adapters.sqlalchemy.engine import create_database_engine
from oolvay.adapters.sqlalchemy.schema import upgrade
from oolvay.composition_root import build_container
from oolvay.settings import load_settings
from tests.builders import T0
from tests.integration.db.conftest import MakeDatabase

EARLY, LATE, LATEST = uuid.UUID(int=10), uuid.UUID(int=11), uuid.UUID(int=12)
IDN_A, IDN_B = uuid.UUID(int=20), uuid.UUID(int=21)
ALONE = uuid.UUID(int=30)
POST_1, POST_2, POST_3 = uuid.UUID(int=100), uuid.UUID(int=101), uuid.UUID(int=102)


@pytest.fixture
def at_0002(make_database: MakeDatabase) -> Iterator[Engine]:
    engine = create_database_engine(make_database())
    upgrade(engine, "0002")
    yield engine
    engine.dispose()


def user(id: uuid.UUID, email: str, minutes: int, **flags: Any) -> dict[str, Any]:
    extra = {"email_key": flags["email_key"]} if "email_key" in flags else {}
    return extra | {
        "id": id,
        "email": email,
        "created_at": T0 + timedelta(minutes=minutes),
        "active": True,
        "email_verified": flags.get("email_verified", True),
        "bounced": flags.get("bounced", False),
        "wants_post_emails": flags.get("wants_post_emails", True),
        "is_editor": flags.get("is_editor", False),
    }


def post(id: uuid.UUID, author: uuid.UUID) -> dict[str, Any]:
    return {
        "id": id,
        "title": "t",
        "body": "b",
        "author_id": author,
        "notification_type": "email",
        "created_at": T0,
        "status": "published",
        "published_at": T0,
        "version": 1,
    }


def delivery(post_id: uuid.UUID, user_id: uuid.UUID, state: str) -> dict[str, Any]:
    return {
        "post_id": post_id,
        "user_id": user_id,
        "state": state,
        "error": "550 no" if state == "failed" else None,
        "attempts": 1,
        "claimant": None,
        "claimed_at": None,
        "updated_at": T0,
    }


def insert(engine: Engine, table: str, rows: list[dict[str, Any]]) -> None:
    # The tables of today's code, with only the columns 0002 has: their types bind UUIDs
    # and times as each database stores them.
    with engine.begin() as connection:
        connection.execute(tables.metadata.tables[table].insert(), rows)


def rows(engine: Engine, query: sa.Select[Any]) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(query).all())


def given_duplicates(engine: Engine) -> None:
    insert(
        engine,
        "users",
        [
            # Inserted latest first: the merge goes by creation time, not insertion order.
            user(LATEST, "ANN@example.org", 3, is_editor=True),
            user(LATE, "Ann@Example.org", 2, email_verified=False, bounced=True),
            user(EARLY, "ann@example.org", 1, wants_post_emails=False, email_verified=False),
            user(IDN_B, "user@xn--bcher-kva.de", 6),
            user(IDN_A, "user@bücher.de", 5),
            user(ALONE, "solo@example.org", 0),
        ],
    )
    insert(engine, "posts", [post(POST_1, LATEST), post(POST_2, ALONE), post(POST_3, ALONE)])
    insert(
        engine,
        "deliveries",
        [
            delivery(POST_2, EARLY, "failed"),
            delivery(POST_2, LATE, "sent"),  # the mailbox has it: it counts as sent
            delivery(POST_3, LATEST, "sent"),  # the survivor has none for it: moves
            delivery(POST_2, IDN_B, "sent"),
        ],
    )
    insert(
        engine,
        "api_tokens",
        [
            {
                "id": uuid.uuid4(),
                "user_id": LATEST,
                "name": "laptop",
                "token_hash": "0" * 64,
                "created_at": T0,
                "revoked_at": None,
            }
        ],
    )


def test_duplicates_are_merged_into_the_earliest_user_and_what_they_owned_follows(
    at_0002: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    given_duplicates(at_0002)

    upgrade(at_0002)

    u = tables.users.c
    users = rows(at_0002, sa.select(u.id, u.email, u.email_key).order_by(u.created_at))
    assert [tuple(r) for r in users] == [
        (ALONE, "solo@example.org", "solo@example.org"),
        (EARLY, "ann@example.org", "ann@example.org"),
        (IDN_A, "user@bücher.de", "user@bücher.de"),
    ]
    [ann] = rows(at_0002, sa.select(tables.users).where(u.id == EARLY))
    # Its own preference stays; what held for the mailbox or the person carries over.
    assert (ann.wants_post_emails, ann.email_verified, ann.bounced, ann.is_editor) == (
        False,
        True,
        True,
        True,
    )
    d = tables.deliveries.c
    deliveries = rows(at_0002, sa.select(d.post_id, d.user_id, d.state))
    assert sorted(tuple(r) for r in deliveries) == [
        (POST_2, EARLY, "sent"),
        (POST_2, IDN_A, "sent"),
        (POST_3, EARLY, "sent"),
    ]
    posts = tables.posts.c
    assert rows(at_0002, sa.select(posts.author_id).where(posts.id == POST_1)) == [(EARLY,)]
    assert rows(at_0002, sa.select(tables.api_tokens.c.user_id)) == [(EARLY,)]
    assert "merged 3 duplicate users into 2" in capsys.readouterr().out


def test_after_it_a_second_spelling_of_a_mailbox_is_refused(at_0002: Engine) -> None:
    insert(at_0002, "users", [user(EARLY, "ann@example.org", 1)])
    upgrade(at_0002)

    with pytest.raises(sa.exc.IntegrityError):
        insert(
            at_0002, "users", [user(LATE, "ANN@example.org", 2) | {"email_key": "ann@example.org"}]
        )


def test_a_database_without_duplicates_says_so(
    at_0002: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    insert(at_0002, "users", [user(EARLY, "Ann@Example.ORG", 1)])

    upgrade(at_0002)

    u = tables.users.c
    assert rows(at_0002, sa.select(u.email, u.email_key)) == [
        ("Ann@example.org", "ann@example.org")
    ]
    assert "no duplicate users to merge" in capsys.readouterr().out


def test_oolvay_db_upgrade_prints_what_it_merged(make_database: MakeDatabase) -> None:
    url = make_database()
    engine = create_database_engine(url)
    upgrade(engine, "0002")
    insert(engine, "users", [user(EARLY, "ann@example.org", 1), user(LATE, "ANN@example.org", 2)])
    engine.dispose()
    container = build_container(load_settings({"DATABASE_URL": url}))

    result = CliRunner().invoke(app, ["db", "upgrade"], obj=container)

    assert result.exit_code == 0, result.output
    assert "0004: merged 1 duplicate users into 1" in result.output
    container.db_engine().dispose()
