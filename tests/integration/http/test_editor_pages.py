"""The editors' pages over HTTP, on both databases: posts, publishing, the send's page."""

from __future__ import annotations

import re
import uuid

import pytest

from oolvay.domain.posts import NotificationType, Post
from tests.integration.http.editor_support import EDITOR, Browser, csrf_of

READERS = ("ada@example.com", "grace@example.com", "linus@example.com")


def readers(b: Browser) -> None:
    b.container.import_subscribers()(enumerate(READERS, start=1))


def a_draft(b: Browser, title: str = "Hello", body: str = "Body") -> Post:
    uow = b.container.uow()
    with uow:
        editor = uow.users.get_by_email(EDITOR)
    assert editor is not None
    return b.container.create_post()(
        author_id=editor.id, title=title, body=body, notification_type=NotificationType.EMAIL
    )


def test_a_new_draft_is_saved_and_listed_newest_first(signed_in: Browser) -> None:
    a_draft(signed_in, title="Older")

    saved = signed_in.form(
        "/editor/posts/new",
        {"title": "Newer", "body": "# Hi", "notification_type": "none", "intent": "save"},
    )
    listing = signed_in.client.get("/editor/posts")

    assert saved.status_code == 200
    assert "Saved." in saved.text
    assert listing.text.index("Newer") < listing.text.index("Older")
    assert listing.text.count('class="badge draft"') == 2


def test_the_list_pages_through_posts(signed_in: Browser) -> None:
    for n in range(21):
        a_draft(signed_in, title=f"Post {n:02}")

    first = signed_in.client.get("/editor/posts")
    second = signed_in.client.get("/editor/posts?page=2")

    assert "Post 20" in first.text
    assert "Post 00" not in first.text
    assert "Older →" in first.text
    assert "Post 00" in second.text
    assert "Post 20" not in second.text


def test_a_too_long_title_is_shown_beside_the_field_and_nothing_is_saved(
    signed_in: Browser,
) -> None:
    response = signed_in.form(
        "/editor/posts/new", {"title": "x" * 301, "body": "kept", "intent": "save"}
    )

    assert response.status_code == 422
    assert re.search(r'id="title-error">At most 300 characters \(301 now\)', response.text)
    assert 'aria-describedby="title-error"' in response.text
    assert ">kept</textarea>" in response.text
    assert signed_in.container.list_posts()(status=None, limit=5, offset=0).total == 0


def test_preview_renders_the_markdown_without_saving(signed_in: Browser) -> None:
    post = a_draft(signed_in, body="old")

    response = signed_in.form(
        f"/editor/posts/{post.id}",
        {"title": "Hello", "body": "**new** <b>raw</b>", "intent": "preview"},
        page=f"/editor/posts/{post.id}",
    )
    fragment = signed_in.client.post(
        "/editor/preview",
        data={"body": "_it_"},
        headers={"X-CSRF-Token": csrf_of(signed_in.client.get("/editor/posts").text)},
    )

    assert "<strong>new</strong> &lt;b&gt;raw&lt;/b&gt;" in response.text
    assert signed_in.container.get_post()(post.id).body == "old"
    assert fragment.text.strip() == "<p><em>it</em></p>"


def test_the_publish_dialog_says_how_many_get_it_and_that_this_page_waits(
    signed_in: Browser,
) -> None:
    readers(signed_in)
    post = a_draft(signed_in)

    edit = signed_in.client.get(f"/editor/posts/{post.id}")
    confirm = signed_in.client.get(f"/editor/posts/{post.id}/publish")

    for page in (edit, confirm):
        assert (
            "<strong>3 subscribers</strong> will get an email, sent now; this page will wait."
            in page.text
        )


def test_with_inngest_the_dialog_says_it_is_sent_in_the_background(signed_in: Browser) -> None:
    from dependency_injector import providers

    readers(signed_in)
    post = a_draft(signed_in)
    signed_in.container.queue_backend.override(providers.Object("inngest"))

    page = signed_in.client.get(f"/editor/posts/{post.id}/publish")

    assert "will get an email, sent in the background." in page.text


def test_publishing_from_the_form_sends_and_lands_on_the_send_page(signed_in: Browser) -> None:
    readers(signed_in)
    post = a_draft(signed_in, title="Out now")

    response = signed_in.form(
        f"/editor/posts/{post.id}/publish", page=f"/editor/posts/{post.id}/publish"
    )
    status = signed_in.client.get(f"/editor/posts/{post.id}/send.json").json()

    assert response.url.path == f"/editor/posts/{post.id}/send"
    assert 'data-field="label">Sent<' in response.text
    assert sorted(signed_in.mailer.recipients) == sorted(READERS)
    assert status | {"post_id": None} == {
        "post_id": None,
        "published": True,
        "state": "sent",
        "label": "Sent",
        "final": True,
        "planned": True,
        "audience": 3,
        "queued": 0,
        "sending": 0,
        "sent": 3,
        "failed": 0,
        "uncertain": 0,
        "skipped": 0,
        "cancelled": 0,
        "stalled": 0,
        "rate_per_second": None,
        "eta_seconds": None,
        "bounced": 0,
        "complaints": 0,
        "complaint_rate": 0.0,
        "percent": 100,
        "failed_recipients": [],
        "failed_total": 0,
    }


def test_the_script_publishes_over_json(signed_in: Browser) -> None:
    post = a_draft(signed_in)
    token = csrf_of(signed_in.client.get(f"/editor/posts/{post.id}").text)

    response = signed_in.client.post(
        f"/editor/posts/{post.id}/publish",
        data={"csrf_token": token},
        headers={"Accept": "application/json"},
    )

    assert response.json() == {"url": f"/editor/posts/{post.id}/send"}


def test_publishing_without_a_title_is_shown_beside_the_title(signed_in: Browser) -> None:
    post = a_draft(signed_in, title="  ")

    page = signed_in.form(f"/editor/posts/{post.id}/publish", page=f"/editor/posts/{post.id}")
    script = signed_in.client.post(
        f"/editor/posts/{post.id}/publish",
        data={"csrf_token": csrf_of(page.text)},
        headers={"Accept": "application/json"},
    )

    assert page.status_code == 422
    assert 'id="title-error">a post cannot be published with an empty title' in page.text
    assert script.status_code == 422
    assert script.json()["field"] == "title"
    assert not signed_in.container.get_post()(post.id).is_published


def test_failed_recipients_are_listed_filtered_and_resent(signed_in: Browser) -> None:
    readers(signed_in)
    signed_in.mailer.reject.update(
        {"ada@example.com": "550 5.1.1 no such user", "grace@example.com": "552 mailbox full"}
    )
    post = a_draft(signed_in)
    signed_in.form(f"/editor/posts/{post.id}/publish", page=f"/editor/posts/{post.id}")

    page = signed_in.client.get(f"/editor/posts/{post.id}/send")
    filtered = signed_in.client.get(f"/editor/posts/{post.id}/send?q=full")
    signed_in.mailer.reject.clear()
    resent = signed_in.form(f"/editor/posts/{post.id}/resend", page=f"/editor/posts/{post.id}/send")
    again = signed_in.form(f"/editor/posts/{post.id}/resend", page=f"/editor/posts/{post.id}/send")

    assert "Sent, with failures" in page.text
    assert "<td>ada@example.com</td><td>550 5.1.1 no such user</td><td>Permanent</td>" in page.text
    assert "grace@example.com" in filtered.text
    assert "ada@example.com</td>" not in filtered.text
    assert "Resent to those who had not got it." in resent.text
    assert 'data-field="label">Sent<' in resent.text
    assert "Nothing to resend: everyone in the audience has it" in again.text
    # ada's mailbox does not exist (5.1.1): suppressed at once, and left out of the resend.
    assert sorted(signed_in.mailer.recipients) == sorted(
        r for r in READERS if r != "ada@example.com"
    )


def test_a_report_is_requested_and_downloaded_with_the_session(signed_in: Browser) -> None:
    readers(signed_in)
    post = a_draft(signed_in)
    signed_in.form(f"/editor/posts/{post.id}/publish", page=f"/editor/posts/{post.id}")

    page = signed_in.form(f"/editor/posts/{post.id}/report", page=f"/editor/posts/{post.id}/send")
    link = re.search(r'href="(/editor/reports/[0-9a-f-]+/download)"', page.text)
    assert link, page.text
    csv = signed_in.client.get(link.group(1))
    signed_in.client.cookies.delete("oolvay_session")
    anonymous = signed_in.client.get(link.group(1), follow_redirects=False)

    assert "The report is ready: 3 recipients." in page.text
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.text.splitlines()[0] == "recipient,state,time,error"
    assert len(csv.text.splitlines()) == 4
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/editor/sign-in?next=/editor/reports/")


def test_an_unknown_post_is_a_404_page(signed_in: Browser) -> None:
    response = signed_in.client.get(f"/editor/posts/{uuid.uuid4()}")

    assert response.status_code == 404
    assert "<h1>Not found</h1>" in response.text
    assert "text/html" in response.headers["content-type"]


def test_a_draft_can_be_deleted_and_a_published_post_cannot(signed_in: Browser) -> None:
    draft, live = a_draft(signed_in, title="Draft"), a_draft(signed_in, title="Live")
    signed_in.container.publish_post()(live.id)

    deleted = signed_in.form(f"/editor/posts/{draft.id}/delete", page=f"/editor/posts/{draft.id}")
    refused = signed_in.form(f"/editor/posts/{live.id}/delete", page=f"/editor/posts/{live.id}")

    assert "The draft was deleted." in deleted.text
    assert refused.status_code == 409
    assert "only drafts can be deleted" in refused.text


@pytest.mark.parametrize("path", ["/editor/posts/new", "/editor/subscribers", "/editor/tokens"])
def test_every_field_has_a_label(signed_in: Browser, path: str) -> None:
    html = signed_in.client.get(path).text

    fields = re.findall(
        r'<(?:input|textarea|select)\b(?![^>]*type="(?:hidden|radio|checkbox)")[^>]*\bid="([^"]+)"',
        html,
    )
    assert fields
    for field in fields:
        assert f'for="{field}"' in html, field


def test_a_send_still_under_way_shows_its_bar_and_keeps_itself_fresh(signed_in: Browser) -> None:
    from dependency_injector import providers

    from tests.fakes import FakeJobQueue

    readers(signed_in)
    post = a_draft(signed_in, title="Queued one")
    signed_in.container.job_queue.override(providers.Object(FakeJobQueue()))  # a worker, later
    signed_in.container.publish_post()(post.id)

    listing = signed_in.client.get("/editor/posts")
    page = signed_in.client.get(f"/editor/posts/{post.id}/send")
    status = signed_in.client.get(f"/editor/posts/{post.id}/send.json").json()

    assert re.search(r'<span class="badge state-badge">Queued</span>\s*<progress', listing.text)
    assert f'data-status-url="/editor/posts/{post.id}/send.json"' in page.text
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page.text
    # Not planned yet (no worker has run): the audience is not counted until it is.
    assert (status["state"], status["planned"], status["final"]) == ("queued", False, False)
    assert status["audience"] is None
