"""Editors, as the user repository lists them, on both databases."""

from __future__ import annotations

from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.domain.users import User
from tests.builders import T0, a_subscriber
from tests.integration.db.conftest import given


def test_editors_are_listed_by_email_and_readers_are_not(uow: SqlAlchemyUnitOfWork) -> None:
    zed = User.register(email="zed@example.com", now=T0, is_editor=True)
    ada = User.register(email="ada@example.com", now=T0, is_editor=True)
    given(uow, zed, a_subscriber(1), ada)

    with uow:
        editors = uow.users.list_editors()

    assert [editor.email for editor in editors] == ["ada@example.com", "zed@example.com"]
