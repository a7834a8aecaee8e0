"""An editor signs in, writes, publishes to three subscribers and watches the send live."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import READERS, LiveApp, shoot, sign_in

BODY = "Hello **readers**.\n\n- one\n- two\n\n<script>alert('x')</script>"


def test_sign_in_write_publish_and_watch_the_send_reach_sent_without_reloading(
    page: Page, live_app: LiveApp
) -> None:
    sign_in(page, live_app, shot="sign-in")
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Title").fill("Launch day")
    page.get_by_label("Body").fill(BODY)

    page.get_by_role("tab", name="Preview").click()
    preview = page.locator("[data-preview]")
    expect(preview.locator("strong")).to_have_text("readers")
    expect(preview).to_contain_text("<script>alert('x')</script>")  # shown as text
    shoot(page, "editor-preview")
    page.get_by_role("tab", name="Write").click()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")

    page.get_by_role("link", name="Publish…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(
        "3 subscribers will get an email, sent now; this page will wait."
    )
    shoot(page, "publish-dialog")
    page.evaluate("window.stillThisPage = true")
    live_app.smtp.gate.clear()  # the mail server holds the first message
    dialog.get_by_role("button", name="Publish and send").click()

    expect(dialog.locator('[data-field="label"]')).to_have_text("Sending")
    shoot(page, "publish-sending")
    live_app.smtp.gate.set()
    expect(dialog.locator('[data-field="label"]')).to_have_text("Sent")
    expect(dialog.locator('[data-field="summary"]')).to_have_text("3 of 3 sent")
    assert page.evaluate("window.stillThisPage") is True  # no reload happened

    dialog.get_by_role("link", name="See the send").click()
    expect(page.locator(".send-status [data-field=label]")).to_have_text("Sent")
    expect(page.locator('dd[data-field="sent"]')).to_have_text("3")
    shoot(page, "send")
    assert sorted(live_app.smtp.recipients) == sorted(READERS)

    page.get_by_role("link", name="Posts", exact=True).click()
    row = page.get_by_role("row", name=re.compile("Launch day"))
    expect(row).to_contain_text("Published")
    expect(row).to_contain_text("3/3")
    shoot(page, "posts")
    page.get_by_role("link", name="Subscribers").click()
    expect(page.get_by_role("heading", name="Subscribers")).to_be_visible()
    shoot(page, "subscribers", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Posts", exact=True).click()
    expect(page.get_by_role("link", name="Launch day")).to_be_visible()
    shoot(page, "posts-phone")
