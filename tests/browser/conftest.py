"""Browser tests: Debian's Chromium driven by Playwright, against the real app served by
uvicorn on a free port, on a SQLite file, with the inline queue and a real SMTP server."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
import uvicorn
from dependency_injector import providers
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from oolvay.adapters.http.app import create_app
from oolvay.composition_root import Container, build_container
from oolvay.domain.users import User
from oolvay.settings import load_settings
from tests.integration.email.conftest import LoopbackController, RefusingSink
from tests.integration.http.editor_support import quick_argon2

CHROMIUM = Path(os.environ.get("OOLVAY_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""With ``headless=True`` (``--headless``); Playwright gives each launch a fresh
user-data-dir of its own."""
FAILURES = Path("var/test-artifacts/screenshots")
SCREENSHOTS = os.environ.get("OOLVAY_SCREENSHOTS_DIR")
"""When set (``make screenshots``), the tests save the README's screenshots there."""
EDITOR = "editor@example.com"
PASSWORD = "correct horse battery staple"
READERS = ("ada@example.com", "grace@example.com", "linus@example.com")


class GatedSink(RefusingSink):
    """Takes each message only once ``gate`` is open: the send can be seen under way."""

    def __init__(self) -> None:
        super().__init__({})
        self.gate = threading.Event()
        self.gate.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 30)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
    )
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        FAILURES.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        page.screenshot(path=str(FAILURES / f"{name}.png"), full_page=True)


def shoot(page: Page, name: str, *, full_page: bool = False) -> None:
    """A screenshot for the README, when ``make screenshots`` asks for them."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=full_page)


@attrs.frozen
class Smtp:
    sink: GatedSink
    port: int


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    sink = GatedSink()
    controller = LoopbackController(sink)
    controller.start()
    yield Smtp(sink, controller.port)
    sink.gate.set()
    controller.stop()


@attrs.define
class LiveApp:
    url: str
    container: Container
    smtp: GatedSink

    def at(self, path: str) -> str:
        return self.url + path


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the test process keeps its own
        pass


@pytest.fixture
def live_app(tmp_path: Path, smtp: Smtp) -> Iterator[LiveApp]:
    environ = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'oolvay.db'}",
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}?starttls=false",
        "OOLVAY_SECRET_KEY": "browser-tests-" + "k" * 40,
        "OOLVAY_EMAIL__FROM_ADDRESS": "news@example.com",
        "OOLVAY_EMAIL__SMTP_TIMEOUT_SECONDS": "60",
    }
    container = build_container(load_settings(environ))
    container.password_hasher.override(providers.Object(quick_argon2()))
    assert container.upgrade_database() is None
    container.create_editor()(EDITOR, token_name="browser")
    container.set_editor_password()(EDITOR, PASSWORD)
    container.import_subscribers()(enumerate(READERS, start=1))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(container), log_config=None, lifespan="off")
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    started = threading.Event()
    while not started.wait(0.02):
        if server.started:
            started.set()
        elif not thread.is_alive():
            raise RuntimeError("the server did not start")
    host, port = listener.getsockname()
    yield LiveApp(url=f"http://{host}:{port}", container=container, smtp=smtp.sink)
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()
    container.db_engine().dispose()


def sign_in(page: Page, app: LiveApp, *, shot: str | None = None) -> None:
    page.goto(app.at("/editor"))
    page.get_by_label("Email").fill(EDITOR)
    page.get_by_label("Password").fill(PASSWORD)
    if shot:
        shoot(page, shot)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/editor/posts$"))


def reader(app: LiveApp, email: str) -> User:
    uow = app.container.uow()
    with uow:
        user = uow.users.get_by_email(email)
    assert user is not None
    return user
