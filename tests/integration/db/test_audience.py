"""The audience query: one indexed keyset page of eligible, willing, not-yet-sent users."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from oolvay.adapters.sqlalchemy.bulk import bulk_insert_users, insert_users
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.domain.deliveries import DeliveryOutcome
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.users import POST_EMAIL_AUDIENCE, AudienceRule, User
from tests.builders import T0, a_post, a_subscriber
from tests.integration.db.conftest import an_author, counting_statements, given


def everyone(uow: SqlAlchemyUnitOfWork, post_id: PostId) -> list[User]:
    with uow:
        return list(uow.users.audience_batch(post_id, POST_EMAIL_AUDIENCE, after=None, limit=1000))


def test_only_eligible_users_who_want_post_emails_are_in_the_audience(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    post = a_post()
    wanted = [a_subscriber(1), a_subscriber(2)]
    unwanted = [
        a_subscriber(3, active=False),
        a_subscriber(4, email_verified=False),
        a_subscriber(5, bounced=True),
        a_subscriber(6, wants_post_emails=False),
    ]
    given(uow, an_author(), post, *wanted, *unwanted)

    audience = everyone(uow, post.id)

    assert audience == wanted
    assert all(POST_EMAIL_AUDIENCE.matches(user) for user in audience)


def test_users_already_sent_this_post_are_left_out_but_failed_and_pending_stay_in(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    post, other_post = a_post(), a_post()
    sent, failed, pending, sent_other_post, untouched = (a_subscriber(n) for n in range(1, 6))
    given(uow, an_author(), post, other_post, sent, failed, pending, sent_other_post, untouched)
    with uow:
        for post_id, user in [
            (post.id, sent),
            (post.id, failed),
            (post.id, pending),
            (other_post.id, sent_other_post),
        ]:
            uow.deliveries.claim(post_id, [user.id], claimant="run", now=T0, stale_before=T0)
        uow.deliveries.record(
            post.id,
            [
                DeliveryOutcome.sent(sent.id),
                DeliveryOutcome.failed(failed.id, "550", retriable=False),
            ],
            claimant="run",
            now=T0,
        )
        uow.deliveries.record(
            other_post.id, [DeliveryOutcome.sent(sent_other_post.id)], claimant="run", now=T0
        )
        uow.commit()

    audience = everyone(uow, post.id)

    assert audience == [failed, pending, sent_other_post, untouched]


def test_pages_follow_the_id_order_after_the_cursor(uow: SqlAlchemyUnitOfWork) -> None:
    post = a_post()
    readers = [a_subscriber(n) for n in range(7)]
    given(uow, an_author(), post, *reversed(readers))

    pages: list[list[UserId]] = []
    after: UserId | None = None
    with uow:
        while page := uow.users.audience_batch(post.id, POST_EMAIL_AUDIENCE, after=after, limit=3):
            pages.append([user.id for user in page])
            after = page[-1].id

    assert pages == [
        [r.id for r in readers[0:3]],
        [r.id for r in readers[3:6]],
        [readers[6].id],
    ]


def test_the_rule_is_the_where_clause(uow: SqlAlchemyUnitOfWork) -> None:
    post = a_post()
    editor, reader = an_author(), a_subscriber(1)
    given(uow, editor, post, reader)

    with uow:
        editors = uow.users.audience_batch(
            post.id, AudienceRule({"is_editor": True}), after=None, limit=10
        )

    assert editors == [editor]


def test_a_rule_on_an_unknown_field_is_refused(uow: SqlAlchemyUnitOfWork) -> None:
    with uow, pytest.raises(ValueError, match="shoe_size"):
        uow.users.audience_batch(
            a_post().id, AudienceRule({"shoe_size": True}), after=None, limit=1
        )


@pytest.mark.parametrize("audience_size", [10, 1_000])
def test_one_page_is_one_statement_whatever_the_audience_size(
    engine: Engine, uow: SqlAlchemyUnitOfWork, audience_size: int
) -> None:
    post = a_post()
    given(uow, an_author(), post)
    with engine.begin() as connection:
        bulk_insert_users(connection, (a_subscriber(n) for n in range(audience_size)))

    with uow, counting_statements(engine) as counter:
        first = uow.users.audience_batch(post.id, POST_EMAIL_AUDIENCE, after=None, limit=5)
        uow.users.audience_batch(post.id, POST_EMAIL_AUDIENCE, after=first[-1].id, limit=5)

    assert counter.count == 2


def test_bulk_inserted_users_are_ordinary_users(uow: SqlAlchemyUnitOfWork, engine: Engine) -> None:
    readers = [a_subscriber(n) for n in range(12)]

    inserted = insert_users(engine, iter(readers))

    assert inserted == 12
    with uow:
        assert uow.users.get(readers[7].id) == readers[7]
    assert everyone(uow, a_post().id) == readers


def test_a_bulk_insert_with_a_duplicate_email_inserts_nobody(
    uow: SqlAlchemyUnitOfWork, engine: Engine
) -> None:
    readers = [a_subscriber(1), a_subscriber(2), a_subscriber(3, email="reader1@example.com")]

    with pytest.raises(sa.exc.IntegrityError):
        insert_users(engine, readers)

    with uow:
        assert uow.users.get(readers[0].id) is None
