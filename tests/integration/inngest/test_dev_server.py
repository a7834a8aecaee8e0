"""End to end through a running Inngest dev server: publish over HTTP, the dev server calls
our worker at /api/inngest, the emails land in the local mailbox. Runs only when
``INNGEST_DEV`` names a dev server that answers (``npx inngest-cli@latest dev``); skipped
otherwise."""

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx
import pytest
import uvicorn
from dependency_injector import providers

from oolvay.adapters.http.app import create_app
from oolvay.adapters.inngest.environment import InngestMode, inngest_environment
from oolvay.adapters.sqlalchemy.engine import create_database_engine
from oolvay.adapters.sqlalchemy.schema import upgrade
from oolvay.composition_root import build_container
from oolvay.settings import ConfigError, load_settings

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


@attrs.define
class Served:
    http: httpx.Client
    token: str
    mailbox: Path


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The real application (SQLite, local mailbox) on a real port the dev server can call,
    synced with the dev server."""
    dev_url = dev_server_url()
    database_url = f"sqlite:///{tmp_path / 'e2e.db'}"
    engine = create_database_engine(database_url)
    upgrade(engine)
    engine.dispose()
    mailbox = tmp_path / "mailbox"
    container = build_container(
        load_settings(
            {
                "OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true",
                "INNGEST_DEV": dev_url,
                "DATABASE_URL": database_url,
                "OOLVAY_EMAIL__MAILBOX_DIR": str(mailbox),
            }
        )
    )
    container.dev_secret_key_file.override(providers.Object(tmp_path / "secret_key"))
    container.import_subscribers()((n, f"reader{n}@example.com") for n in range(READERS))
    _, issued = container.create_editor()("editor@example.com", token_name="e2e")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    synced = httpx.put(f"{base}/api/inngest", timeout=10)
    assert synced.status_code == 200, synced.text
    with httpx.Client(base_url=base, timeout=10) as http:
        yield Served(http=http, token=issued.secret, mailbox=mailbox)
    server.should_exit = True
    thread.join(timeout=10)


def test_publishing_returns_at_once_and_the_worker_sends_the_emails(served: Served) -> None:
    auth = {"Authorization": f"Bearer {served.token}"}
    post = served.http.post("/api/posts", json={"title": "Hello", "body": "Hi"}, headers=auth)

    published = served.http.post(f"/api/posts/{post.json()['id']}/publish", headers=auth)

    assert published.status_code == 200, published.text
    assert published.json()["notifications"]["queue"] == "inngest"
    assert published.json()["notifications"]["status"] == "dispatched"
    deadline = time.monotonic() + WAIT_SECONDS
    while len(list(served.mailbox.glob("*.eml"))) < READERS and time.monotonic() < deadline:
        time.sleep(0.2)
    received = sorted(path.name.split("-")[2] for path in served.mailbox.glob("*.eml"))
    assert received == [f"reader{n}@example.com" for n in range(READERS)]
