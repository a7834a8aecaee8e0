"""One mailbox, one subscriber: the API, the subscribe page and the database itself (CSV
imports and editors: tests/integration/cli)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.adapters.sqlalchemy.tables import users
from oolvay.composition_root import Container, build_container
from oolvay.domain.users import User
from oolvay.settings import load_settings
from tests.builders import T0
from tests.fakes import FakeMailer
from tests.integration.conftest import a_uow
from tests.integration.http.editor_support import csrf_of


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, Container]]:
    container = build_container(load_settings({}))
    container.db_engine.override(providers.Object(engine))
    container.mailer.override(providers.Object(FakeMailer()))
    container.dev_secret_key_file.override(providers.Object(tmp_path / "secret_key"))
    with TestClient(create_app(container)) as client:
        yield client, container


def stored_emails(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(sa.select(users.c.email)).scalars())


def test_the_api_stores_one_subscriber_for_every_spelling_of_a_mailbox(
    site: tuple[TestClient, Container], engine: Engine
) -> None:
    client, _ = site

    for spelling in ["UPPER@Example.ORG", "upper@example.org", "user@bücher.de"]:
        assert client.post("/api/subscriptions", json={"email": spelling}).status_code == 202
    assert client.post("/api/subscriptions", json={"email": "user@xn--bcher-kva.de"}).is_success

    assert stored_emails(engine) == ["UPPER@example.org", "user@bücher.de"]


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("a" * 65 + "@example.org", "too long before the @-sign"),
        ("a@-b.com", "hyphen immediately after the @-sign"),
        ("reader@[192.0.2.1]", "bracketed IP address"),
        ("rea\u200bder@example.org", "ZERO WIDTH SPACE"),
    ],
)
def test_the_api_refuses_what_the_validator_refuses_with_the_reason(
    site: tuple[TestClient, Container], engine: Engine, address: str, reason: str
) -> None:
    client, _ = site

    answer = client.post("/api/subscriptions", json={"email": address})

    assert answer.status_code == 422
    [problem] = answer.json()["detail"]
    assert problem["field"] == "email"
    assert reason in problem["message"]
    assert stored_emails(engine) == []


def test_the_subscribe_page_shows_the_reason_and_stores_nothing(
    site: tuple[TestClient, Container], engine: Engine
) -> None:
    client, _ = site

    token = csrf_of(client.get("/subscribe").text)
    page = client.post("/subscribe", data={"email": "a@-b.com", "csrf_token": token})

    assert page.status_code == 422
    assert "hyphen immediately after the @-sign" in page.text
    assert stored_emails(engine) == []


def test_the_database_refuses_a_second_spelling_added_directly(engine: Engine) -> None:
    uow = a_uow(engine)
    with uow:
        uow.users.add(User.register(email="Ann@example.org", now=T0))
        uow.commit()

    with uow, pytest.raises(sa.exc.IntegrityError):
        uow.users.add(User.register(email="ANN@example.org", now=T0))
    with uow:
        found = uow.users.get_by_email("aNN@EXAMPLE.org")
    assert found is not None
    assert found.email == "Ann@example.org"
