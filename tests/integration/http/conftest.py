from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from oolvay.adapters.http.app import create_app
from oolvay.composition_root import Container, build_container
from oolvay.settings import load_settings
from tests.fakes import FakeMailer, FakeRenderer, FakeUnitOfWork


@attrs.define
class Api:
    client: TestClient
    container: Container
    mailer: FakeMailer
    token: str

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}


@pytest.fixture
def api() -> Iterator[Api]:
    container = build_container(load_settings({}))
    mailer = FakeMailer()
    container.uow.override(providers.Object(FakeUnitOfWork()))
    container.mailer.override(providers.Object(mailer))
    container.notification_renderer.override(providers.Object(FakeRenderer()))
    _, issued = container.create_editor()("editor@example.com", token_name="tests")
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield Api(client=client, container=container, mailer=mailer, token=issued.secret)
