from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.composition_root import Container, build_container
from oolvay.settings import load_settings
from tests.fakes import FakeMailer, FakeRenderer
from tests.integration.http.editor_support import browser, signed_in

__all__ = ["Api", "api", "browser", "signed_in"]


@attrs.define
class Api:
    client: TestClient
    container: Container
    mailer: FakeMailer
    token: str

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    """The real app from the composition root, on a real database (SQLite and PostgreSQL);
    only the mailer is a fake, so that tests can read what was sent."""
    container = build_container(load_settings({}))
    mailer = FakeMailer()
    container.db_engine.override(providers.Object(engine))
    container.mailer.override(providers.Object(mailer))
    container.notification_renderer.override(providers.Object(FakeRenderer()))
    _, issued = container.create_editor()("editor@example.com", token_name="tests")
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Api(client=client, container=container, mailer=mailer, token=issued.secret)
