from __future__ import annotations

from tests.integration.http.editor_support import Browser, browser, signed_in

__all__ = ["browser", "signed_in"]


def test_smoke(signed_in: Browser) -> None:
    b = signed_in
    r = b.form(
        "/editor/posts/new", {"title": "Hello", "body": "**hi**", "notification_type": "email"}
    )
    assert r.status_code == 200, r.text
    print(r.url)
    post_url = str(r.url)
    r = b.client.get(post_url)
    assert "Publish" in r.text
    pid = post_url.split("/")[-1].split("?")[0]
    r = b.client.get(f"/editor/posts/{pid}/publish")
    print(r.text[-1500:])
    r = b.form(f"/editor/posts/{pid}/publish", page=f"/editor/posts/{pid}/publish")
    print(r.status_code, r.url)
    print(b.client.get(f"/editor/posts/{pid}/send.json").json())
    assert b.client.get("/editor/posts").status_code == 200
    assert b.client.get("/editor/subscribers").status_code == 200
    assert b.client.get("/editor/tokens").status_code == 200
    assert b.client.get("/").status_code == 200
    assert b.client.get(f"/posts/{pid}").status_code == 200
