from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk

from tests.integration.inngest.support import CapturingTransport


@pytest.fixture
def sentry_events() -> Iterator[list[dict[str, Any]]]:
    """A real Sentry client whose events land in the returned list."""
    transport = CapturingTransport()
    sentry_sdk.init(dsn="https://public@sentry.invalid/1", transport=transport)
    yield transport.events
    sentry_sdk.get_client().close()
    sentry_sdk.init()
