from __future__ import annotations

import pytest

from tests.builders import a_subscriber
from tests.integration.http.conftest import Api


def test_no_token_is_401_with_a_bearer_challenge(api: Api) -> None:
    response = api.client.get("/api/posts")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Bearer wrong", "Bearer ", "Basic abc", "oolvay_x"])
def test_a_wrong_token_is_401(api: Api, header: str) -> None:
    response = api.client.get("/api/posts", headers={"Authorization": header})

    assert response.status_code == 401


def test_a_revoked_token_is_401(api: Api) -> None:
    created = api.client.post("/api/tokens", json={"name": "spare"}, headers=api.auth()).json()

    revoked = api.client.delete(f"/api/tokens/{created['id']}", headers=api.auth())
    response = api.client.get("/api/posts", headers=api.auth(created["secret"]))

    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert response.status_code == 401
    assert api.client.get("/api/posts", headers=api.auth()).status_code == 200


def test_a_token_of_a_non_editor_is_403(api: Api) -> None:
    reader = a_subscriber(1)
    uow = api.container.uow()
    with uow:
        uow.users.add(reader)
        uow.commit()
    issued = api.container.issue_api_token()(reader, name="sneaky")

    response = api.client.get("/api/posts", headers=api.auth(issued.secret))

    assert response.status_code == 403


def test_the_openapi_schema_declares_the_bearer_scheme(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()

    schemes = schema["components"]["securitySchemes"]
    assert schemes["HTTPBearer"]["scheme"] == "bearer"
    assert api.client.get("/docs").status_code == 200
