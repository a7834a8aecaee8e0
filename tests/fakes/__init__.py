"""Fakes for the application's ports: in-memory, with state a test can assert on."""

from tests.fakes.outside import (
    ErrorReport,
    FakeClock,
    FakeErrorReporter,
    FakeJobQueue,
    FakeMailer,
    FakeRenderer,
    FakeUserTokens,
    RecordingEventSender,
)
from tests.fakes.store import FakeStore, FakeUnitOfWork

__all__ = [
    "ErrorReport",
    "FakeClock",
    "FakeErrorReporter",
    "FakeJobQueue",
    "FakeMailer",
    "FakeRenderer",
    "FakeStore",
    "FakeUnitOfWork",
    "FakeUserTokens",
    "RecordingEventSender",
]
