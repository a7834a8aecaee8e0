"""Persistence on SQLAlchemy 2 Core: tables, explicit mapping functions, repositories,
the unit of work, the engine factory and Alembic migrations.

Mapping decision: no ORM mapping. The domain classes are slotted (some frozen) attrs
classes; SQLAlchemy's classical mapping would have to instrument them. Instead each
repository translates with two small functions per entity (``*_values`` for writing,
``*_from_row`` for reading) and runs Core statements through the unit of work's Session,
which owns the connection and the transaction. The statements that matter are set-based
anyway (the keyset audience page, ``INSERT ... ON CONFLICT`` claims, ``executemany``
outcomes), and the optimistic-concurrency check is a visible ``WHERE version = :read``.
"""
