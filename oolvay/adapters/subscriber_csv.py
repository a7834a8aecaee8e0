"""Reading subscriber addresses from a CSV, for the command line and the editors' app."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator


def addresses(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(line number, address) for each row: the first column, or the one headed
    ``email``. Blank rows are skipped. Raises csv.Error for a malformed file."""
    column = 0
    for number, row in enumerate(csv.reader(lines), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if number == 1 and "email" in (cell.strip().lower() for cell in row):
            column = [cell.strip().lower() for cell in row].index("email")
            continue
        yield number, row[column] if column < len(row) else ""
