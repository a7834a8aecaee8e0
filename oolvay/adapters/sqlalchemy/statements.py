"""Helpers the repositories share: the dialect's INSERT, DML results, the audience rule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from oolvay.adapters.sqlalchemy.tables import users
from oolvay.domain.users import AudienceRule


def insert_into(session: Session, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """An INSERT with the dialect's ON CONFLICT clauses."""
    if is_postgresql(session):
        return postgresql.insert(table)
    return sqlite.insert(table)


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def execute_dml(
    session: Session, statement: sa.Executable, params: Any = None
) -> CursorResult[Any]:
    result = session.execute(statement, params)
    assert isinstance(result, CursorResult)
    return result


def audience(rule: AudienceRule) -> list[sa.ColumnElement[bool]]:
    """The WHERE clause of ``rule``: its requirements become column tests, so the rule is
    stated once, in the domain."""
    return list(_requirements(rule))


def _requirements(rule: AudienceRule) -> Iterator[sa.ColumnElement[bool]]:
    for name, wanted in rule.requirements.items():
        if name not in users.c:
            raise ValueError(f"audience rule names {name!r}, which is not a users column")
        yield users.c[name] == sa.literal(wanted)
