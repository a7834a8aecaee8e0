"""What the API promises: errors in the shapes and statuses its schema documents, docs
that work offline, a front page."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from oolvay.adapters.http.app import create_app
from tests.integration.http.conftest import Api
from tests.integration.http.editor_support import csrf_of


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls.extend(value for name, value in attrs if name in {"src", "href"} and value)


def links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_docs_load_every_asset_from_this_server(api: Api, page: str) -> None:
    html = api.client.get(page).text

    urls = links(html)
    spec = re.findall(r"""(?:url: |spec-url=)["']([^"']+)""", html)

    assert urls
    assert spec == ["/openapi.json"]
    for url in [*urls, *spec]:
        assert not urlsplit(url).netloc, f"{page} loads {url} from another host"
        assert api.client.get(url).status_code == 200, url
    assert "fonts.googleapis" not in html


def test_every_route_documents_its_errors_in_the_shapes_the_app_answers(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()

    operations = {
        (method.upper(), path): operation["responses"]
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    assert "HTTPValidationError" not in str(schema)
    assert schema["components"]["schemas"]["FieldProblem"]["required"] == ["field", "message"]
    for (method, path), statuses in operations.items():
        assert "500" in statuses, (method, path)
        if path.startswith("/api/") and path != "/api/subscriptions":
            assert {"401", "403"} <= set(statuses), (method, path)
        if "{" in path and path.startswith("/api/"):
            assert {"404", "422"} <= set(statuses), (method, path)
    assert "409" in operations[("POST", "/api/posts/{post_id}/publish")]
    assert "409" in operations[("DELETE", "/api/posts/{post_id}")]
    assert "409" in operations[("GET", "/api/reports/{report_id}/download")]
    assert "503" in operations[("GET", "/healthz")]


def test_malformed_json_names_the_line_and_the_column(api: Api) -> None:
    response = api.client.post(
        "/api/posts",
        content=b'{"title": "Hello",\n "body": oops}',
        headers={**api.auth(), "content-type": "application/json"},
    )

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["field"] == "request body"
    assert problem["message"].startswith("invalid JSON at line 2, column 10")


@pytest.mark.parametrize("body", [[1, 2], "a post", 3, None])
def test_a_body_that_is_not_an_object_is_not_blamed_on_the_posts_body_field(
    api: Api, body: object
) -> None:
    response = api.client.post("/api/posts", json=body, headers=api.auth())

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "request body", "message": "a JSON object is required"}
    ]


def test_a_bad_post_body_field_is_still_named_body(api: Api) -> None:
    response = api.client.post("/api/posts", json={"title": "x", "body": 3}, headers=api.auth())

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["detail"]] == ["body"]


@pytest.mark.parametrize("field", ["title", "body"])
def test_a_nul_character_in_a_post_is_422_on_create_and_edit(api: Api, field: str) -> None:
    created = api.client.post(
        "/api/posts", json={"title": "Hi", field: "a\u0000b"}, headers=api.auth()
    )
    draft = api.client.post("/api/posts", json={"title": "Hi"}, headers=api.auth()).json()
    edited = api.client.patch(
        f"/api/posts/{draft['id']}", json={field: "a\u0000b"}, headers=api.auth()
    )

    for response in (created, edited):
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["field"] == field
    unchanged = api.client.get(f"/api/posts/{draft['id']}", headers=api.auth()).json()
    assert "\u0000" not in unchanged[field]


def test_a_nul_character_in_a_token_name_is_422(api: Api) -> None:
    response = api.client.post("/api/tokens", json={"name": "a\u0000b"}, headers=api.auth())

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "name"


def test_an_editor_lists_their_tokens_and_revokes_one_by_its_id(api: Api) -> None:
    spare = api.client.post("/api/tokens", json={"name": "spare"}, headers=api.auth()).json()

    listed = api.client.get("/api/tokens", headers=api.auth())
    revoked = api.client.delete(f"/api/tokens/{spare['id']}", headers=api.auth())
    after = api.client.get("/api/tokens", headers=api.auth()).json()

    assert listed.status_code == 200
    assert [(t["name"], t["revoked_at"]) for t in listed.json()] == [
        ("tests", None),
        ("spare", None),
    ]
    assert all("secret" not in t for t in listed.json())
    assert revoked.status_code == 200
    assert [t["name"] for t in after if t["revoked_at"] is not None] == ["spare"]
    assert api.client.get("/api/posts", headers=api.auth(spare["secret"])).status_code == 401


def test_an_editor_cannot_list_or_revoke_anothers_tokens(api: Api) -> None:
    _, other = api.container.create_editor()("other@example.com", token_name="theirs")

    mine = api.client.get("/api/tokens", headers=api.auth()).json()
    revoked = api.client.delete(f"/api/tokens/{other.token.id}", headers=api.auth())

    assert "theirs" not in [t["name"] for t in mine]
    assert revoked.status_code == 404
    assert api.client.get("/api/posts", headers=api.auth(other.secret)).status_code == 200


def test_the_front_page_says_what_this_is_and_links_on(api: Api) -> None:
    response = api.client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = links(response.text)
    assert {"/docs", "/subscribe"} <= set(urls)
    assert "/editor" not in urls


def test_the_front_page_links_the_editor_app_where_there_is_one(api: Api) -> None:
    app: FastAPI = create_app(api.container)
    app.add_api_route("/editor", lambda: PlainTextResponse("editor"))

    with TestClient(app) as client:
        html = client.get("/").text

    assert "/editor" in links(html)


def test_a_body_that_cannot_be_read_is_422_like_any_bad_body(api: Api) -> None:
    response = api.client.post(
        "/api/posts",
        content=b"\xff\xfe\x16/",
        headers={**api.auth(), "content-type": "application/json"},
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "request body"


def test_an_overlong_address_in_the_form_is_an_html_page_that_does_not_echo_it(
    api: Api,
) -> None:
    token = csrf_of(api.client.get("/subscribe").text)
    response = api.client.post(
        "/subscribe", data={"email": "x" * 5000 + "@example.com", "csrf_token": token}
    )

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "x" * 400 not in response.text
