"""Editors see suppressed addresses and lift a suppression over the API."""

from __future__ import annotations

from oolvay.domain.users import User
from tests.builders import T0
from tests.integration.http.conftest import Api


def given_suppressed(api: Api, email: str) -> User:
    user = User.register(email=email, now=T0, email_verified=True)
    user.mark_bounced()
    uow = api.container.uow()
    with uow:
        uow.users.add(user)
        uow.commit()
    return user


def test_suppressed_addresses_are_listed_and_one_is_lifted(api: Api) -> None:
    given_suppressed(api, "Ann@example.org")

    listed = api.client.get("/api/suppressions", headers=api.auth())
    lifted = api.client.post(
        "/api/suppressions/remove", json={"email": "ANN@example.org"}, headers=api.auth()
    )
    after = api.client.get("/api/suppressions", headers=api.auth())

    assert listed.status_code == 200
    assert [entry["email"] for entry in listed.json()] == ["Ann@example.org"]
    assert lifted.json() == {"email": "Ann@example.org", "suppressed": False}
    assert after.json() == []


def test_an_unknown_address_is_404_without_repeating_it(api: Api) -> None:
    answer = api.client.post(
        "/api/suppressions/remove", json={"email": "nobody@example.org"}, headers=api.auth()
    )

    assert answer.status_code == 404
    assert "nobody" not in answer.text


def test_only_editors_may_see_or_lift_suppressions(api: Api) -> None:
    given_suppressed(api, "ann@example.org")

    assert api.client.get("/api/suppressions").status_code == 401
    remove = api.client.post("/api/suppressions/remove", json={"email": "ann@example.org"})
    assert remove.status_code == 401
