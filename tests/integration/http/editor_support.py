"""The editors' app over TestClient: a signed-in browser, with its cookies and CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs
import httpx
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.adapters.security.passwords import Argon2PasswordHasher
from oolvay.composition_root import Container, build_container
from oolvay.settings import load_settings
from tests.fakes import FakeMailer


def quick_argon2() -> Argon2PasswordHasher:
    """Real argon2id at the smallest cost, so that each test does not spend a second hashing
    (tests/unit/adapters/security checks the production parameters)."""
    from pwdlib.hashers.argon2 import Argon2Hasher

    return Argon2PasswordHasher(Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1))


EDITOR = "editor@example.com"
PASSWORD = "a long enough password"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@attrs.define
class Browser:
    client: TestClient
    container: Container
    mailer: FakeMailer

    def form(
        self, path: str, data: dict[str, str] | None = None, *, page: str | None = None
    ) -> httpx.Response:
        """Submit a form the way a browser does: with the token of the page it came from."""
        token = csrf_of(self.client.get(page or path).text)
        response: httpx.Response = self.client.post(
            path, data={"csrf_token": token, **(data or {})}
        )
        return response

    def sign_in(self, email: str = EDITOR, password: str = PASSWORD) -> httpx.Response:
        return self.form(
            "/editor/sign-in", {"email": email, "password": password, "next": "/editor/posts"}
        )


def editor_container(engine: Engine, environ: dict[str, str] | None = None) -> Container:
    container = build_container(load_settings(environ or {}))
    container.db_engine.override(providers.Object(engine))
    container.password_hasher.override(providers.Object(quick_argon2()))
    container.create_editor()(EDITOR, token_name="tests")
    container.set_editor_password()(EDITOR, PASSWORD)
    return container


@pytest.fixture
def browser(engine: Engine) -> Iterator[Browser]:
    container = editor_container(engine)
    mailer = FakeMailer()
    container.mailer.override(providers.Object(mailer))
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Browser(client=client, container=container, mailer=mailer)


@pytest.fixture
def signed_in(browser: Browser) -> Browser:
    response = browser.sign_in()
    assert response.status_code == 200, response.text
    return browser
