from __future__ import annotations

import uuid

from dependency_injector import providers

from oolvay.domain.users import User
from tests.builders import a_subscriber
from tests.integration.http.conftest import Api


def add_readers(api: Api, *readers: User) -> None:
    uow = api.container.uow()
    with uow:
        for reader in readers:
            uow.users.add(reader)
        uow.commit()


def draft(api: Api, **fields: object) -> dict[str, object]:
    body = {"title": "Hello", "body": "World"} | fields
    response = api.client.post("/api/posts", json=body, headers=api.auth())
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def test_create_get_and_update_a_draft(api: Api) -> None:
    post = draft(api)

    fetched = api.client.get(f"/api/posts/{post['id']}", headers=api.auth()).json()
    patched = api.client.patch(
        f"/api/posts/{post['id']}", json={"title": "Better"}, headers=api.auth()
    ).json()

    assert fetched == post
    assert post["status"] == "draft"
    assert (patched["title"], patched["body"]) == ("Better", "World")


def test_publish_inline_returns_the_counts_and_sends(api: Api) -> None:
    add_readers(api, a_subscriber(1), a_subscriber(2))
    post = draft(api)

    response = api.client.post(f"/api/posts/{post['id']}/publish", headers=api.auth())

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["post"]["status"] == "published"
    assert body["notifications"]["queue"] == "inline"
    assert body["notifications"]["status"] == "ran"
    assert body["send"]["state"] == "sent"
    assert body["send"]["audience"] == 2
    assert body["send"]["counts"]["sent"] == 2
    assert sorted(api.mailer.recipients) == ["reader1@example.com", "reader2@example.com"]


def test_publishing_twice_is_409(api: Api) -> None:
    post = draft(api)
    api.client.post(f"/api/posts/{post['id']}/publish", headers=api.auth())

    response = api.client.post(f"/api/posts/{post['id']}/publish", headers=api.auth())

    assert response.status_code == 409
    assert "already published" in response.json()["detail"]


def test_publishing_an_empty_title_is_422_naming_the_field(api: Api) -> None:
    post = draft(api, title="")

    response = api.client.post(f"/api/posts/{post['id']}/publish", headers=api.auth())

    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "title"


def test_an_unknown_post_is_404(api: Api) -> None:
    response = api.client.get(f"/api/posts/{uuid.uuid4()}", headers=api.auth())

    assert response.status_code == 404


def test_bad_input_is_422_naming_the_field(api: Api) -> None:
    response = api.client.post(
        "/api/posts",
        json={"title": "x", "notification_type": "pigeon"},
        headers=api.auth(),
    )

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["detail"]] == ["notification_type"]


def test_list_is_paginated_newest_first_and_filtered(api: Api) -> None:
    ids = [draft(api, title=f"T{n}")["id"] for n in range(3)]
    api.client.post(f"/api/posts/{ids[0]}/publish", headers=api.auth())

    page = api.client.get("/api/posts?limit=2", headers=api.auth()).json()
    published = api.client.get("/api/posts?status=published", headers=api.auth()).json()

    assert page["total"] == 3
    assert len(page["items"]) == 2
    assert [p["id"] for p in published["items"]] == [ids[0]]


def test_only_drafts_can_be_deleted(api: Api) -> None:
    kept = draft(api)
    gone = draft(api)
    api.client.post(f"/api/posts/{kept['id']}/publish", headers=api.auth())

    assert api.client.delete(f"/api/posts/{gone['id']}", headers=api.auth()).status_code == 204
    assert api.client.delete(f"/api/posts/{kept['id']}", headers=api.auth()).status_code == 409
    assert api.client.get(f"/api/posts/{gone['id']}", headers=api.auth()).status_code == 404


def test_delivery_status_failed_recipients_and_resend(api: Api) -> None:
    add_readers(api, a_subscriber(1), a_subscriber(2))
    api.mailer.reject["reader2@example.com"] = "550 mailbox unavailable"
    post = draft(api)
    published = api.client.post(f"/api/posts/{post['id']}/publish", headers=api.auth()).json()
    url = f"/api/posts/{post['id']}/deliveries"

    status = api.client.get(url, headers=api.auth()).json()
    failed = api.client.get(f"{url}/failed?q=READER2", headers=api.auth()).json()
    passing = api.client.get(f"{url}/failed?retriable=true", headers=api.auth()).json()
    for_good = api.client.get(f"{url}/failed?retriable=false&q=mailbox", headers=api.auth())
    api.mailer.reject.clear()
    resend = api.client.post(f"{url}/resend", headers=api.auth())
    again = api.client.post(f"{url}/resend", headers=api.auth())
    after = api.client.get(url, headers=api.auth()).json()

    assert published["send"]["state"] == "sent_with_failures"
    assert status["id"] == published["send"]["id"]
    assert status["state"] == "sent_with_failures"
    assert (status["counts"]["sent"], status["counts"]["failed"]) == (1, 1)
    assert status["failed"][0]["email"] == "reader2@example.com"
    assert status["failed"][0]["error"] == "550 mailbox unavailable"
    assert status["returned"] == {
        "hard_bounces": 1,  # counted; three such refusals suppress a mailbox
        "soft_bounces": 0,
        "complaints": 0,
        "complaint_rate": 0.0,
    }
    assert failed["total"] == 1
    assert failed["items"][0]["retriable"] is False
    assert passing["total"] == 0
    assert [d["email"] for d in for_good.json()["items"]] == ["reader2@example.com"]
    assert resend.status_code == 202
    assert resend.json()["requeued"] == 1
    assert again.status_code == 409
    assert "nothing to resend" in again.json()["detail"]
    assert after["state"] == "sent"
    assert after["round"] == 1
    assert api.mailer.recipients == ["reader1@example.com", "reader2@example.com"]


def test_cancelling_a_send_and_a_post_that_sends_no_email(api: Api) -> None:
    add_readers(api, a_subscriber(1))
    silent, loud = draft(api, notification_type="none"), draft(api)
    for post in (silent, loud):
        api.client.post(f"/api/posts/{post['id']}/publish", headers=api.auth())

    status = api.client.get(f"/api/posts/{silent['id']}/deliveries", headers=api.auth())
    cancel = api.client.post(f"/api/posts/{loud['id']}/deliveries/cancel", headers=api.auth())

    assert status.status_code == 404
    assert "sends no email" in status.json()["detail"]
    assert cancel.status_code == 200
    assert cancel.json()["cancelled"] == 0  # inline: it was over before the cancel
    assert cancel.json()["send"]["state"] == "cancelled"


def test_an_unexpected_error_is_a_500_without_a_traceback(api: Api) -> None:
    class BrokenUnitOfWork:
        def __enter__(self) -> None:
            raise RuntimeError("secret internals /path/to/file.py line 3")

    api.container.uow.override(providers.Object(BrokenUnitOfWork()))
    response = api.client.get("/api/posts", headers=api.auth())

    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}


def test_a_report_is_generated_inline_and_downloadable(api: Api) -> None:
    add_readers(api, a_subscriber(1), a_subscriber(2))
    post = draft(api)
    api.client.post(f"/api/posts/{post['id']}/publish", headers=api.auth())

    requested = api.client.post(f"/api/posts/{post['id']}/reports", headers=api.auth())
    report = requested.json()["report"]
    download = api.client.get(report["download_url"], headers=api.auth())

    assert requested.status_code == 202
    assert requested.json()["job"]["queue"] == "inline"
    assert report["status"] == "ready"
    assert download.headers["content-type"].startswith("text/csv")
    lines = download.text.splitlines()
    assert lines[0] == "recipient,state,time,error"
    assert sorted(line.split(",")[0] for line in lines[1:]) == [
        "reader1@example.com",
        "reader2@example.com",
    ]
    assert api.mailer.recipients[-1] == "editor@example.com"
