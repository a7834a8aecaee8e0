"""Signing in to the editors' app over HTTP: cookies, CSRF, throttling, redirects."""

from __future__ import annotations

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from tests.fakes.accounts import FakeRateLimiter
from tests.integration.http.conftest import Api
from tests.integration.http.editor_support import (
    EDITOR,
    PASSWORD,
    Browser,
    csrf_of,
    editor_container,
)


def test_pages_need_a_session_and_send_there_after_signing_in(browser: Browser) -> None:
    first = browser.client.get("/editor/subscribers?q=a", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/editor/sign-in?next=/editor/subscribers%3Fq%3Da"

    page = browser.client.get(first.headers["location"])
    signed = browser.client.post(
        "/editor/sign-in",
        data={
            "csrf_token": csrf_of(page.text),
            "email": EDITOR,
            "password": PASSWORD,
            "next": "/editor/subscribers?q=a",
        },
        follow_redirects=False,
    )

    assert signed.status_code == 303
    assert signed.headers["location"] == "/editor/subscribers?q=a"
    assert browser.client.get("/editor/subscribers").status_code == 200


def test_the_session_cookie_is_httponly_and_samesite_lax(browser: Browser) -> None:
    response = browser.form(
        "/editor/sign-in", {"email": EDITOR, "password": PASSWORD}, page="/editor/sign-in"
    )

    cookie = next(
        h for h in response.history[0].headers.get_list("set-cookie") if "oolvay_session" in h
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # development: plain http on the developer's machine
    assert "Max-Age=1209600" in cookie  # 14 days, the session's own limit


def test_outside_development_the_cookies_are_secure(engine: Engine) -> None:
    container = editor_container(engine, {"OOLVAY_ENV": "test", "OOLVAY_SECRET_KEY": "s" * 40})
    with TestClient(create_app(container), base_url="https://testserver") as client:
        page = client.get("/editor/sign-in")
        response = client.post(
            "/editor/sign-in",
            data={"csrf_token": csrf_of(page.text), "email": EDITOR, "password": PASSWORD},
            follow_redirects=False,
        )

    assert all("Secure" in h for h in page.headers.get_list("set-cookie"))
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_a_wrong_password_is_refused_on_the_page(browser: Browser) -> None:
    response = browser.form("/editor/sign-in", {"email": EDITOR, "password": "not the password"})

    assert response.status_code == 401
    assert "Wrong email or password" in response.text
    assert "oolvay_session" not in response.headers.get("set-cookie", "")


def test_a_throttled_sign_in_is_429_with_retry_after_and_a_friendly_page(
    browser: Browser,
) -> None:
    browser.container.rate_limiter.override(providers.Object(FakeRateLimiter(allow=0)))

    response = browser.form("/editor/sign-in", {"email": EDITOR, "password": PASSWORD})

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"
    assert "Too many sign-in attempts. Wait 30 seconds and try again." in response.text


def test_the_real_limiter_throttles_one_account_after_five_tries(browser: Browser) -> None:
    statuses = [
        browser.form("/editor/sign-in", {"email": EDITOR, "password": "wrong guess"}).status_code
        for _ in range(6)
    ]

    assert statuses == [401] * 5 + [429]


@pytest.mark.parametrize("token", [None, "", "forged", "0" * 64])
def test_a_post_without_this_browsers_token_is_refused(
    signed_in: Browser, token: str | None
) -> None:
    data = {"title": "Sneaky", "body": "", "notification_type": "email"}
    if token is not None:
        data["csrf_token"] = token

    response = signed_in.client.post("/editor/posts/new", data=data)

    assert response.status_code == 403
    assert "Form refused" in response.text
    assert signed_in.container.list_posts()(status=None, limit=10, offset=0).total == 0


def test_a_token_from_another_session_is_refused(signed_in: Browser, engine: Engine) -> None:
    stolen = csrf_of(signed_in.client.get("/editor/posts/new").text)
    signed_in.client.cookies.delete("oolvay_session")
    signed_in.sign_in()  # a new session: tokens of the old one no longer count

    response = signed_in.client.post(
        "/editor/posts/new", data={"csrf_token": stolen, "title": "Old token"}
    )

    assert response.status_code == 403


def test_signing_out_without_a_token_is_refused(signed_in: Browser) -> None:
    response = signed_in.client.post("/editor/sign-out")

    assert response.status_code == 403
    assert signed_in.client.get("/editor/posts", follow_redirects=False).status_code == 200


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/api/posts"]
)
def test_sign_in_never_sends_the_browser_elsewhere(browser: Browser, next_path: str) -> None:
    page = browser.client.get("/editor/sign-in")
    response = browser.client.post(
        "/editor/sign-in",
        data={
            "csrf_token": csrf_of(page.text),
            "email": EDITOR,
            "password": PASSWORD,
            "next": next_path,
        },
        follow_redirects=False,
    )

    assert response.headers["location"] == "/editor/posts"


def test_the_live_status_answers_401_json_without_a_session(browser: Browser) -> None:
    response = browser.client.get(f"/editor/posts/{'0' * 8}-0000-0000-0000-{'0' * 12}/send.json")

    assert response.status_code == 401
    assert response.json() == {"detail": "sign in first"}


def test_bearer_tokens_still_work_for_the_api_and_need_no_csrf_token(api: Api) -> None:
    response = api.client.post("/api/posts", json={"title": "Scripted"}, headers=api.auth())

    assert response.status_code == 201


def test_a_session_cookie_is_no_api_credential(signed_in: Browser) -> None:
    assert signed_in.client.get("/api/posts").status_code == 401


def test_editor_pages_forbid_framing_and_inline_scripts(signed_in: Browser) -> None:
    headers = signed_in.client.get("/editor/posts").headers

    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
