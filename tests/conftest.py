"""Logging as the application sets it up: to stderr, so stdout is only a command's output."""

from __future__ import annotations

import pytest

from oolvay.adapters.observability.logging import configure_logging


@pytest.fixture(autouse=True)
def _logging() -> None:
    configure_logging(json=False)
