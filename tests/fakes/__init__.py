"""Fakes for the application's ports: in-memory, with state a test can assert on."""

from tests.fakes.outside import (
    ErrorReport,
    FakeClock,
    FakeEmailAddresses,
    FakeErrorReporter,
    FakeJobQueue,
    FakeMailer,
    FakeRenderer,
    FakeReturnPaths,
    FakeUserTokens,
    RecordingEventSender,
)
from tests.fakes.store import FakeStore, FakeUnitOfWork

__all__ = [
    "ErrorReport",
    "FakeClock",
    "FakeEmailAddresses",
    "FakeErrorReporter",
    "FakeJobQueue",
    "FakeMailer",
    "FakeRenderer",
    "FakeReturnPaths",
    "FakeStore",
    "FakeUnitOfWork",
    "FakeUserTokens",
    "RecordingEventSender",
]
