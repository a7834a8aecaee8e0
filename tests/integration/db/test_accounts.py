"""Editors' passwords and sessions, and the subscriber list's queries, on both databases."""

from __future__ import annotations

from datetime import timedelta

from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.domain.credentials import EditorSession, SessionPolicy
from oolvay.domain.users import Standing, User
from tests.builders import T0, a_subscriber
from tests.integration.db.conftest import given

POLICY = SessionPolicy(idle=timedelta(hours=1), max_age=timedelta(days=1))


def an_editor() -> User:
    return User.register(email="editor@example.com", now=T0, is_editor=True)


def test_a_password_hash_is_stored_and_replaced(uow: SqlAlchemyUnitOfWork) -> None:
    editor = an_editor()
    given(uow, editor)

    with uow:
        uow.editor_passwords.set(editor.id, "first", now=T0)
        uow.editor_passwords.set(editor.id, "second", now=T0)
        uow.commit()

    with uow:
        assert uow.editor_passwords.get(editor.id) == "second"
        assert uow.editor_passwords.get(a_subscriber(1).id) is None


def test_sessions_are_found_by_hash_touched_and_deleted(uow: SqlAlchemyUnitOfWork) -> None:
    editor = an_editor()
    given(uow, editor)
    session, _ = EditorSession.start(user_id=editor.id, now=T0, policy=POLICY)
    other, _ = EditorSession.start(user_id=editor.id, now=T0, policy=POLICY)
    with uow:
        uow.editor_sessions.add(session)
        uow.editor_sessions.add(other)
        uow.commit()

    session.touch(T0 + timedelta(minutes=30), POLICY)
    with uow:
        uow.editor_sessions.update(session)
        uow.editor_sessions.delete(other.id)
        uow.commit()

    with uow:
        found = uow.editor_sessions.get_by_hash(session.token_hash)
        assert found == session
        assert uow.editor_sessions.get_by_hash(other.token_hash) is None
        assert uow.editor_sessions.delete_for_user(editor.id) == 1
        uow.commit()


def test_expired_sessions_are_deleted(uow: SqlAlchemyUnitOfWork) -> None:
    editor = an_editor()
    given(uow, editor)
    old, _ = EditorSession.start(user_id=editor.id, now=T0, policy=POLICY)
    fresh, _ = EditorSession.start(user_id=editor.id, now=T0 + timedelta(hours=2), policy=POLICY)
    with uow:
        uow.editor_sessions.add(old)
        uow.editor_sessions.add(fresh)
        uow.commit()

    with uow:
        assert uow.editor_sessions.delete_expired(T0 + timedelta(hours=2)) == 1
        uow.commit()
    with uow:
        assert uow.editor_sessions.get_by_hash(fresh.token_hash) is not None


def everyone() -> list[User]:
    bounced = a_subscriber(3, email="bounced@example.com")
    bounced.mark_bounced()
    gone = a_subscriber(4, email="gone@example.com", active=False)
    unsubscribed = a_subscriber(5, email="quiet@example.com", wants_post_emails=False)
    unconfirmed = a_subscriber(6, email="maybe@example.com", email_verified=False)
    return [a_subscriber(1), a_subscriber(2), bounced, gone, unsubscribed, unconfirmed]


def test_the_sql_standing_agrees_with_the_users_own(uow: SqlAlchemyUnitOfWork) -> None:
    users = everyone()
    given(uow, *users)

    with uow:
        by_query = {
            standing: {
                u.email
                for u in uow.subscribers.search(text="", standing=standing, limit=100, offset=0)
            }
            for standing in Standing
        }
        counts = uow.subscribers.count_by_standing()

    assert by_query == {s: {u.email for u in users if u.standing is s} for s in Standing}
    assert counts == {s: len(by_query[s]) for s in Standing}
    assert counts[Standing.SUPPRESSED] == 2


def test_search_matches_part_of_an_address_in_any_case_and_pages(
    uow: SqlAlchemyUnitOfWork,
) -> None:
    given(uow, *everyone(), a_subscriber(7, email="Reader_7@Example.com"))

    with uow:
        readers = uow.subscribers.search(text="READER", standing=None, limit=2, offset=0)
        rest = uow.subscribers.search(text="READER", standing=None, limit=2, offset=2)
        total = uow.subscribers.count(text="READER", standing=None)
        underscore = uow.subscribers.search(text="der_", standing=None, limit=10, offset=0)
        percent = uow.subscribers.count(text="%", standing=None)

    assert total == 3
    assert len(readers) == 2
    assert len(rest) == 1
    assert {u.email for u in [*readers, *rest]} == {
        "reader1@example.com",
        "reader2@example.com",
        "Reader_7@example.com",
    }
    assert [u.email for u in underscore] == ["Reader_7@example.com"]  # "_" is no wildcard
    assert percent == 0
