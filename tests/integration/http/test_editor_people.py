"""Subscribers and API tokens in the editors' app."""

from __future__ import annotations

import re

from tests.integration.http.editor_support import Browser, csrf_of


def import_csv(b: Browser, content: str, *, skip_invalid: bool = False) -> str:
    token = csrf_of(b.client.get("/editor/subscribers").text)
    data = {"csrf_token": token} | ({"skip_invalid": "true"} if skip_invalid else {})
    response = b.client.post(
        "/editor/subscribers/import",
        data=data,
        files={"file": ("list.csv", content.encode(), "text/csv")},
    )
    text: str = response.text
    return text


def test_an_import_with_an_invalid_line_imports_nothing_and_names_the_line(
    signed_in: Browser,
) -> None:
    page = import_csv(signed_in, "email\nada@example.com\nnot-an-address\ngrace@example.com\n")

    assert "1 invalid address: nothing was imported." in page
    assert "Line 3: <code>not-an-address</code>" in page
    assert signed_in.container.list_subscribers()(text="ada", limit=10, offset=0).total == 0


def test_an_import_may_skip_the_invalid_lines(signed_in: Browser) -> None:
    page = import_csv(signed_in, "ada@example.com\nbad\nada@example.com\n", skip_invalid=True)

    assert "Imported 1; 1 already known; 1 invalid." in page
    assert "Line 2: <code>bad</code>" in page


def test_a_file_that_is_not_utf8_is_refused_with_a_message(signed_in: Browser) -> None:
    page = import_csv(signed_in, "")  # empty is fine
    token = csrf_of(page)
    response = signed_in.client.post(
        "/editor/subscribers/import",
        data={"csrf_token": token},
        files={"file": ("list.csv", b"\xff\xfe\x00bad", "text/csv")},
    )

    assert response.status_code == 422
    assert "Not a readable UTF-8 CSV file" in response.text


def test_counts_search_and_the_suppressed_ones(signed_in: Browser) -> None:
    import_csv(signed_in, "ada@example.com\ngrace@example.com\nlinus@example.com\n")
    uow = signed_in.container.uow()
    with uow:
        grace = uow.users.get_by_email("grace@example.com")
        assert grace is not None
        grace.mark_bounced()
        uow.users.update(grace)
        uow.commit()

    everyone = signed_in.client.get("/editor/subscribers")
    suppressed = signed_in.client.get("/editor/subscribers?standing=suppressed")
    search = signed_in.client.get("/editor/subscribers?q=LIN")

    assert re.search(r"<strong>2</strong> Receiving", everyone.text)
    assert re.search(r"<strong>1</strong> Bounced or suppressed", everyone.text)
    assert "grace@example.com" in suppressed.text
    assert "ada@example.com" not in suppressed.text
    assert "linus@example.com" in search.text
    assert "ada@example.com" not in search.text


def test_a_suppression_is_lifted_from_the_list(signed_in: Browser) -> None:
    import_csv(signed_in, "grace@example.com\n")
    uow = signed_in.container.uow()
    with uow:
        grace = uow.users.get_by_email("grace@example.com")
        assert grace is not None
        grace.mark_complained()
        uow.users.update(grace)
        uow.commit()
    listed = signed_in.client.get("/editor/subscribers?standing=suppressed").text

    restored = signed_in.form(
        "/editor/subscribers/unsuppress",
        {"email": "grace@example.com"},
        page="/editor/subscribers?standing=suppressed",
    )

    assert 'aria-label="Lift the suppression of grace@example.com"' in listed
    assert "grace@example.com gets post emails again" in restored.text
    assert re.search(r"<strong>0</strong> Bounced or suppressed", restored.text)
    with uow:
        assert not uow.users.get_by_email("grace@example.com").is_suppressed  # type: ignore[union-attr]


def test_one_subscriber_is_added_and_removed(signed_in: Browser) -> None:
    added = signed_in.form("/editor/subscribers", {"email": "new@example.com"})
    twice = signed_in.form("/editor/subscribers", {"email": "new@example.com"})
    invalid = signed_in.form("/editor/subscribers", {"email": "nope"})
    user_id = re.search(r"/editor/subscribers/([0-9a-f-]+)/remove", added.text)
    assert user_id
    removed = signed_in.form(
        f"/editor/subscribers/{user_id.group(1)}/remove", page="/editor/subscribers"
    )

    assert "Added new@example.com." in added.text
    assert twice.status_code == 409
    assert "new@example.com is already on the list." in twice.text
    assert invalid.status_code == 422
    assert 'id="add-error"' in invalid.text
    assert "gets no more post emails" in removed.text
    # The editor (who wants no post emails) and the one just removed.
    assert re.search(r"<strong>2</strong> Unsubscribed", removed.text)


def test_a_token_is_shown_once_works_for_the_api_and_is_revoked(signed_in: Browser) -> None:
    created = signed_in.form("/editor/tokens", {"name": "deploy script"})
    secret = re.search(r'value="(oolvay_[^"]+)"', created.text)
    assert secret
    api = signed_in.client.get("/api/posts", headers={"Authorization": f"Bearer {secret.group(1)}"})
    listing = signed_in.client.get("/editor/tokens")
    newest = re.findall(r"/editor/tokens/([0-9a-f-]+)/revoke", listing.text)[0]
    revoked = signed_in.form(f"/editor/tokens/{newest}/revoke", page="/editor/tokens")
    after = signed_in.client.get(
        "/api/posts", headers={"Authorization": f"Bearer {secret.group(1)}"}
    )

    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    assert api.status_code == 200
    assert secret.group(1) not in listing.text
    assert "Token “deploy script” revoked" in revoked.text
    assert after.status_code == 401


def test_a_token_needs_a_name(signed_in: Browser) -> None:
    response = signed_in.form("/editor/tokens", {"name": "  "})

    assert response.status_code == 422
    assert 'id="name-error"' in response.text
