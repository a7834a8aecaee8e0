"""The audience rule as SQL, and users inserted in bulk."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from oolvay.adapters.sqlalchemy.bulk import insert_users
from oolvay.adapters.sqlalchemy.statements import audience
from oolvay.adapters.sqlalchemy.tables import users
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.domain.users import POST_EMAIL_AUDIENCE, AudienceRule
from tests.builders import a_subscriber
from tests.integration.db.conftest import given


def test_only_eligible_users_who_want_post_emails_are_counted(uow: SqlAlchemyUnitOfWork) -> None:
    given(
        uow,
        a_subscriber(1),
        a_subscriber(2),
        a_subscriber(3, email_verified=False),
        a_subscriber(4, wants_post_emails=False),
        a_subscriber(5, bounced=True),
        a_subscriber(6, active=False),
    )

    with uow:
        assert uow.users.count_audience(POST_EMAIL_AUDIENCE) == 2
        assert uow.users.count_audience(AudienceRule({"bounced": True})) == 1


def test_the_rule_is_the_where_clause() -> None:
    sql = str(sa.select(users.c.id).where(*audience(POST_EMAIL_AUDIENCE)))

    for column in ("active", "email_verified", "bounced", "wants_post_emails"):
        assert f"users.{column} = " in sql


def test_a_rule_on_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValueError, match="shoe_size"):
        audience(AudienceRule({"shoe_size": True}))


def test_bulk_inserted_users_are_ordinary_users(uow: SqlAlchemyUnitOfWork, engine: Engine) -> None:
    readers = [a_subscriber(n) for n in range(12)]

    inserted = insert_users(engine, iter(readers))

    assert inserted == 12
    with uow:
        assert uow.users.get(readers[7].id) == readers[7]
        assert uow.users.count_audience(POST_EMAIL_AUDIENCE) == 12


def test_a_bulk_insert_with_a_duplicate_email_inserts_nobody(
    uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    readers = [a_subscriber(1), a_subscriber(2), a_subscriber(3, email="reader1@example.com")]

    with pytest.raises(sa.exc.IntegrityError):
        insert_users(engine, readers)

    with uow:
        assert uow.users.get(readers[0].id) is None
