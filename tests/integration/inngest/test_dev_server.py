"""End to end through a running Inngest dev server: publish, the dev server calls our worker
at /api/inngest, the emails go out. Runs only when ``INNGEST_DEV`` names a dev server that
answers (``npx inngest-cli@latest dev``); skipped otherwise."""

import os
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from oolvay.adapters.http.app import create_app
from oolvay.adapters.inngest.environment import InngestMode, inngest_environment
from oolvay.application.ports import DispatchStatus
from oolvay.settings import ConfigError, load_settings
from tests.builders import a_post, a_subscriber
from tests.integration.inngest.support import App, an_app

READERS = 3
WAIT_SECONDS = 60


def dev_server_url() -> str:
    """The dev server INNGEST_DEV points at, or skip the test saying why."""
    try:
        environment = inngest_environment(load_settings(os.environ).deployment, enabled=False)
    except ConfigError as error:
        pytest.skip(f"INNGEST_DEV is not usable here: {error}")
    if environment.mode is not InngestMode.DEV or environment.base_url is None:
        pytest.skip("INNGEST_DEV is not set: point it at a running Inngest dev server")
    try:
        httpx.get(environment.base_url, timeout=2)
    except httpx.HTTPError as error:
        pytest.skip(f"no Inngest dev server answers at {environment.base_url} ({error})")
    return environment.base_url


@pytest.fixture
def served() -> Iterator[tuple[App, str]]:
    """The application on a real port the dev server can call, synced with the dev server."""
    dev_url = dev_server_url()
    app = an_app({"OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true", "INNGEST_DEV": dev_url})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(app.container), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}/api/inngest"
    synced = httpx.put(url, timeout=10)
    assert synced.status_code == 200, synced.text
    yield app, url
    server.should_exit = True
    thread.join(timeout=10)


def test_publishing_returns_at_once_and_the_worker_sends_the_emails(
    served: tuple[App, str],
) -> None:
    app, _ = served
    post = a_post()
    with app.uow:
        app.uow.posts.add(post)
        for n in range(READERS):
            app.uow.users.add(a_subscriber(n))
        app.uow.commit()

    result = app.container.publish_post()(post.id)

    assert result.dispatch is not None
    assert result.dispatch.status is DispatchStatus.DISPATCHED
    deadline = time.monotonic() + WAIT_SECONDS
    while len(app.mailer.sent) < READERS and time.monotonic() < deadline:
        time.sleep(0.2)
    assert sorted(app.mailer.recipients) == [f"reader{n}@example.com" for n in range(READERS)]
