"""Subscribe, confirm and unsubscribe over HTTP, with the real templates and tokens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.composition_root import Container, build_container
from oolvay.domain.users import User
from oolvay.settings import load_settings
from tests.fakes import FakeMailer
from tests.integration.http.editor_support import csrf_of


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[tuple[TestClient, Container, FakeMailer]]:
    container = build_container(load_settings({}))
    mailer = FakeMailer()
    container.db_engine.override(providers.Object(engine))
    container.mailer.override(providers.Object(mailer))
    container.dev_secret_key_file.override(providers.Object(tmp_path / "secret_key"))
    with TestClient(create_app(container)) as client:
        yield client, container, mailer


def link(text: str, path: str) -> str:
    found = re.search(rf"https?://[^/\s]+({path}/[A-Za-z0-9_.-]+)", text)
    assert found, text
    return found.group(1)


def stored(container: Container, email: str) -> User:
    uow = container.uow()
    with uow:
        user = uow.users.get_by_email(email)
    assert user is not None, email
    return user


def test_subscribe_confirm_then_one_click_unsubscribe(
    site: tuple[TestClient, Container, FakeMailer],
) -> None:
    client, container, mailer = site

    asked = client.post("/api/subscriptions", json={"email": "reader@example.com"})
    confirm_path = link(mailer.sent[-1].text, "/subscribe/confirm")
    page = client.get(confirm_path)
    confirmed = client.post(confirm_path)

    assert asked.status_code == 202
    assert page.status_code == 200
    assert 'method="post"' in page.text
    assert confirmed.status_code == 200
    user = stored(container, "reader@example.com")
    assert user.receives_post_emails

    unsubscribe_path = f"/unsubscribe/{container.unsubscribe_tokens().issue(user.id)}"
    one_click = client.post(
        unsubscribe_path,
        content="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    assert not stored(container, "reader@example.com").wants_post_emails


def test_a_get_of_a_link_never_changes_anything(
    site: tuple[TestClient, Container, FakeMailer],
) -> None:
    client, container, mailer = site
    client.post("/api/subscriptions", json={"email": "reader@example.com"})

    client.get(link(mailer.sent[-1].text, "/subscribe/confirm"))

    assert not stored(container, "reader@example.com").email_verified


def test_unknown_tokens_get_the_same_answer_as_real_ones(
    site: tuple[TestClient, Container, FakeMailer],
) -> None:
    client, container, _ = site
    client.post("/api/subscriptions", json={"email": "reader@example.com"})
    user = stored(container, "reader@example.com")
    real = f"/unsubscribe/{container.unsubscribe_tokens().issue(user.id)}"

    first, again, forged = client.post(real), client.post(real), client.post("/unsubscribe/xyz")

    assert first.status_code == again.status_code == forged.status_code == 200
    assert first.text == again.text == forged.text


def test_the_same_answer_for_known_and_unknown_addresses(
    site: tuple[TestClient, Container, FakeMailer],
) -> None:
    client, _, _ = site
    client.post("/api/subscriptions", json={"email": "known@example.com"})

    known = client.post("/api/subscriptions", json={"email": "known@example.com"})
    unknown = client.post("/api/subscriptions", json={"email": "unknown@example.com"})

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


def test_the_form_flow_and_its_bad_input(site: tuple[TestClient, Container, FakeMailer]) -> None:
    client, _, mailer = site

    form = client.get("/subscribe")
    token = csrf_of(form.text)
    bad = client.post("/subscribe", data={"email": "not-an-address", "csrf_token": token})
    good = client.post("/subscribe", data={"email": "reader@example.com", "csrf_token": token})

    assert form.status_code == 200
    assert 'name="email"' in form.text
    assert bad.status_code == 422
    assert "not-an-address" in bad.text
    assert good.status_code == 200
    assert "Check your inbox" in good.text
    assert mailer.recipients == ["reader@example.com"]


def test_an_invalid_address_over_the_api_is_422_naming_the_field(
    site: tuple[TestClient, Container, FakeMailer],
) -> None:
    client, _, _ = site

    response = client.post("/api/subscriptions", json={"email": "nope"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "email"


def test_html_in_the_address_is_escaped_on_the_error_page(
    site: tuple[TestClient, Container, FakeMailer],
) -> None:
    client, _, _ = site

    token = csrf_of(client.get("/subscribe").text)
    response = client.post("/subscribe", data={"email": "<script>x</script>", "csrf_token": token})

    assert "<script>x" not in response.text
    assert "&lt;script&gt;" in response.text


def test_healthz_reports_the_database_and_the_queue(
    site: tuple[TestClient, Container, FakeMailer],
) -> None:
    client, _, _ = site

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "queue": "inline",
        "mail": "mailbox",
    }


def test_a_published_post_has_a_public_page_and_a_draft_does_not(
    site: tuple[TestClient, Container, FakeMailer],
) -> None:
    client, container, _ = site
    _, issued = container.create_editor()("ed@example.com", token_name="t")
    editor = container.authenticate_editor()(issued.secret)
    draft = container.create_post()(author_id=editor.id, title="<b>Draft</b>", body="x")
    live = container.create_post()(author_id=editor.id, title="<b>Live</b>", body="Hi\n\nThere")
    container.publish_post()(live.id)

    page = client.get(f"/posts/{live.id}")

    assert page.status_code == 200
    assert "&lt;b&gt;Live&lt;/b&gt;" in page.text
    assert "<p>There</p>" in page.text
    assert client.get(f"/posts/{draft.id}").status_code == 404
    assert client.get("/posts/not-a-uuid").status_code == 404


def test_the_subscribe_form_without_its_token_is_refused(
    site: tuple[TestClient, Container, FakeMailer],
) -> None:
    client, _, mailer = site

    response = client.post("/subscribe", data={"email": "reader@example.com"})

    assert response.status_code == 403
    assert mailer.sent == []


def test_the_public_pages_share_the_header_and_a_way_home(
    site: tuple[TestClient, Container, FakeMailer],
) -> None:
    client, container, _ = site
    _, issued = container.create_editor()("ed@example.com", token_name="t")
    editor = container.authenticate_editor()(issued.secret)
    post = container.create_post()(author_id=editor.id, title="First", body="**Bold** move")
    container.publish_post()(post.id)
    token = container.unsubscribe_tokens().issue(editor.id)

    pages = [
        client.get("/"),
        client.get("/subscribe"),
        client.get(f"/posts/{post.id}"),
        client.get(f"/unsubscribe/{token}"),
        client.get(f"/subscribe/confirm/{token}"),
    ]

    for page in pages:
        assert page.status_code == 200
        assert '<a class="brand" href="/">Oolvay</a>' in page.text
        assert '<link rel="stylesheet" href="/static/site.css">' in page.text
    assert f'<a href="/posts/{post.id}">First</a>' in pages[0].text
    assert "<strong>Bold</strong> move" in pages[2].text


def test_a_post_body_cannot_run_script_on_the_public_page(
    site: tuple[TestClient, Container, FakeMailer],
) -> None:
    client, container, _ = site
    _, issued = container.create_editor()("ed@example.com", token_name="t")
    editor = container.authenticate_editor()(issued.secret)
    body = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    post = container.create_post()(author_id=editor.id, title="T", body=body)
    container.publish_post()(post.id)

    page = client.get(f"/posts/{post.id}")

    assert "<script>alert" not in page.text
    assert 'href="javascript:' not in page.text
    assert "<img src=x" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
