"""Suite-wide set-up: logging as the application sets it up, Hypothesis without clocks, and a
summary line saying which databases ran."""

from __future__ import annotations

import logging
import os

import pytest
from hypothesis import HealthCheck, settings

from oolvay.adapters.observability.logging import configure_logging

# No test may depend on wall-clock speed: no deadline, and no health check that times
# data generation. CI (HYPOTHESIS_PROFILE=ci) also derandomises, so a run is repeatable;
# a failure prints the blob that reproduces it either way.
settings.register_profile(
    "dev",
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("ci", parent=settings.get_profile("dev"), derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# aiosmtpd logs every command of the test servers (coloured, on "mail.log"); keep its
# warnings, drop the chatter.
logging.getLogger("mail.log").setLevel(logging.WARNING)

_DATABASES_RAN: set[str] = set()


@pytest.fixture(autouse=True)
def _logging() -> None:
    configure_logging(json=False)


def record_database(kind: str) -> None:
    """Note that a test ran on ``kind`` (``sqlite``, ``postgresql``) for the summary line."""
    _DATABASES_RAN.add(kind)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    ran = ", ".join(sorted(_DATABASES_RAN)) or "none"
    terminalreporter.write_line(f"databases: {ran}")
