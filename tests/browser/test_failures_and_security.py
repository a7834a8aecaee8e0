"""Failed recipients and resending them; a forged form refused; signing out for good."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from oolvay.domain.posts import NotificationType
from tests.browser.conftest import EDITOR, LiveApp, shoot, sign_in


def a_draft(app: LiveApp, title: str = "Autumn issue") -> str:
    uow = app.container.uow()
    with uow:
        editor = uow.users.get_by_email(EDITOR)
    assert editor is not None
    post = app.container.create_post()(
        author_id=editor.id, title=title, body="Leaves.", notification_type=NotificationType.EMAIL
    )
    return str(post.id)


def test_a_failing_mail_server_leaves_failed_recipients_and_the_resend_delivers_them(
    page: Page, live_app: LiveApp
) -> None:
    live_app.smtp.replies.update(
        {
            "ada@example.com": "550 5.1.1 no such mailbox",
            "grace@example.com": "450 4.2.1 mailbox busy",
        }
    )
    post_id = a_draft(live_app)
    sign_in(page, live_app)
    page.goto(live_app.at(f"/editor/posts/{post_id}"))
    page.get_by_role("link", name="Publish…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name="Publish and send").click()
    expect(dialog.locator('[data-field="label"]')).to_have_text("Sent, with failures")
    dialog.get_by_role("link", name="See the send").click()

    failed = page.locator("[data-failed-table] tbody tr")
    expect(failed).to_have_count(2)
    expect(page.get_by_role("row", name=re.compile("ada@example.com"))).to_contain_text(
        "550 5.1.1 no such mailbox"
    )
    expect(page.get_by_role("row", name=re.compile("ada@example.com"))).to_contain_text("Permanent")
    expect(page.get_by_role("row", name=re.compile("grace@example.com"))).to_contain_text(
        "Temporary"
    )
    shoot(page, "send-failures", full_page=True)
    page.get_by_label("Kind").select_option("temporary")
    page.get_by_role("button", name="Filter").click()
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("grace@example.com")

    live_app.smtp.replies.clear()  # the server takes everything now
    page.get_by_role("button", name="Resend to those who have not got it").click()

    expect(page.get_by_role("status").first).to_have_text("Resent to those who had not got it.")
    expect(page.locator(".send-status [data-field=label]")).to_have_text("Sent")
    expect(page.locator('dd[data-field="failed"]')).to_have_text("0")
    # ada's mailbox does not exist (5.1.1): suppressed at once, and left out of the resend.
    expect(page.locator('dd[data-field="skipped"]')).to_have_text("1")
    assert sorted(live_app.smtp.recipients) == ["grace@example.com", "linus@example.com"]


def test_a_form_with_a_forged_csrf_token_is_refused_and_changes_nothing(
    page: Page, live_app: LiveApp
) -> None:
    sign_in(page, live_app)
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Title").fill("Forged")
    page.locator("form[data-editor] input[name=csrf_token]").evaluate(
        "input => input.value = 'forged'"
    )

    page.get_by_role("button", name="Save draft").click()

    expect(page.get_by_role("heading", name="Form refused")).to_be_visible()
    assert live_app.container.list_posts()(status=None, limit=10, offset=0).total == 0


def test_signing_out_ends_the_session_on_the_server(page: Page, live_app: LiveApp) -> None:
    sign_in(page, live_app)
    session = next(c for c in page.context.cookies() if c["name"] == "oolvay_session")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    # The old cookie, kept by someone.
    page.context.add_cookies(
        [{"name": session["name"], "value": session["value"], "url": live_app.at("/")}]
    )
    page.goto(live_app.at("/editor/posts"))

    expect(page).to_have_url(re.compile(r"/editor/sign-in\?next=/editor/posts$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_without_javascript_publishing_goes_through_its_own_page(
    chromium: Browser, live_app: LiveApp
) -> None:
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        post_id = a_draft(live_app, title="Plain HTML")
        sign_in(page, live_app)
        page.goto(live_app.at(f"/editor/posts/{post_id}"))

        page.get_by_role("link", name="Publish…").click()
        expect(page).to_have_url(re.compile(rf"/editor/posts/{post_id}/publish$"))
        expect(page.get_by_text("3 subscribers will get an email")).to_be_visible()
        page.get_by_role("button", name="Publish and send").click()

        expect(page).to_have_url(re.compile(rf"/editor/posts/{post_id}/send$"))
        expect(page.locator(".send-status [data-field=label]")).to_have_text("Sent")
    finally:
        context.close()
