"""The statements of each send batch run, by transaction, counted in the thread that runs it."""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from oolvay.application.sending.batch import BatchReport, SendBatch
from oolvay.domain.ids import PostId


@attrs.frozen(order=True)
class Shape:
    """The statements of one batch run, by transaction."""

    messages: int
    claim: int
    records: int
    """Statements in every record of an outcome, together."""
    release: int
    report: int

    @property
    def total(self) -> int:
        return self.claim + self.records + self.release + self.report

    @classmethod
    def of(cls, transactions: list[int], messages: int) -> Shape:
        """From the statements of each transaction, in order: the claim, a record per
        message, the release, the report (no record and no release when nobody was left to
        claim). A transaction run again after a transient error shows as one more record."""
        if len(transactions) < 3:
            return cls(messages, transactions[0], 0, 0, sum(transactions[1:]))
        claim, *records, release, report = transactions
        return cls(messages, claim, sum(records), release, report)


class Tally:
    """Counts the statements the engine sends: all of them, and those of each batch run by
    transaction, in the thread that runs it (so the heartbeat thread and the planner are
    left out). It keeps only numbers, and batches of the same shape once: over a send to
    100,000 people, anything kept per statement or per batch would show up in the memory
    being measured."""

    def __init__(self, engine: Engine) -> None:
        self.statements = 0
        self.shapes: collections.Counter[Shape] = collections.Counter()
        self._lock = threading.Lock()
        self._local = threading.local()
        sa.event.listen(engine, "before_cursor_execute", self._statement)
        sa.event.listen(engine, "commit", self._ended)
        sa.event.listen(engine, "rollback", self._ended)

    @contextmanager
    def batch(self) -> Iterator[list[int]]:
        """Statements per transaction of the batch run in this thread meanwhile."""
        transactions: list[int] = []
        self._local.pending, self._local.transactions = 0, transactions
        try:
            yield transactions
        finally:
            del self._local.transactions

    def add(self, shape: Shape) -> None:
        with self._lock:
            self.shapes[shape] += 1

    def _statement(self, *_: Any) -> None:
        with self._lock:
            self.statements += 1
        if hasattr(self._local, "transactions"):
            self._local.pending += 1

    def _ended(self, *_: Any) -> None:
        if hasattr(self._local, "transactions"):
            self._local.transactions.append(self._local.pending)
            self._local.pending = 0


@attrs.frozen
class TalliedBatch(SendBatch):
    """The container's batch handler, each of its runs tallied."""

    tally: Tally

    def __call__(self, post_id: PostId, *, round: int, batch: int, holder: str) -> BatchReport:
        with self.tally.batch() as transactions:
            report = super().__call__(post_id, round=round, batch=batch, holder=holder)
        self.tally.add(Shape.of(transactions, report.progress.total))
        return report


def linear(shapes: list[Shape]) -> str:
    """Whether every full batch, at every size, sent a fixed number of statements plus the
    same number per message."""
    fixed = {shape.claim + shape.release + shape.report for shape in shapes}
    per_message = {shape.records / shape.messages for shape in shapes}
    if len(fixed) == 1 and len(per_message) == 1:
        return f"= {number(*fixed)} + {number(*per_message)} per message, at every size"
    return f"vary: fixed part {span(list(fixed))}, per message {span(list(per_message))}"


def span(values: Sequence[float]) -> str:
    """The value, or the range when they differ."""
    low, high = min(values), max(values)
    return number(low) if low == high else f"{number(low)}..{number(high)}"


def number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
