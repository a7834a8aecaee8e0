"""The link in the "report ready" email downloads the CSV in a browser, without a token,
for that report only, until it expires."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import attrs
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.composition_root import Container, build_container
from oolvay.settings import load_settings
from tests.builders import a_subscriber
from tests.fakes import FakeClock, FakeMailer


@attrs.define
class Site:
    client: TestClient
    container: Container
    mailer: FakeMailer
    clock: FakeClock


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[Site]:
    container = build_container(load_settings({"OOLVAY_REPORTS__DOWNLOAD_LINK_DAYS": "3"}))
    mailer, clock = FakeMailer(), FakeClock()
    container.db_engine.override(providers.Object(engine))
    container.mailer.override(providers.Object(mailer))
    container.clock.override(providers.Object(clock))
    container.dev_secret_key_file.override(providers.Object(tmp_path / "secret_key"))
    with TestClient(create_app(container)) as client:
        yield Site(client, container, mailer, clock)


def a_ready_report(site: Site) -> tuple[str, str]:
    """A report emailed to its editor: its id and the link in the email."""
    uow = site.container.uow()
    with uow:
        uow.users.add(a_subscriber(1))
        uow.commit()
    editor, _ = site.container.create_editor()("editor@example.com", token_name="t")
    post = site.container.create_post()(author_id=editor.id, title="Hello", body="Hi")
    site.container.publish_post()(post.id)
    report, _ = site.container.request_report()(post.id, requested_by=editor.id)
    [email] = [m for m in site.mailer.sent if m.to == "editor@example.com"]
    found = re.search(r"https?://[^/\s]+(/reports/\S+)", email.text)
    assert found, email.text
    assert "works for 3 days" in email.text
    assert email.html is not None
    assert found.group(1).replace("&", "&amp;") in email.html
    return str(report.id), found.group(1)


def test_the_emailed_link_downloads_the_csv_without_a_token(site: Site) -> None:
    _, link = a_ready_report(site)

    response = site.client.get(link)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.splitlines()[0] == "recipient,state,time,error"
    assert "reader1@example.com,sent" in response.text


def test_an_expired_link_says_so(site: Site) -> None:
    _, link = a_ready_report(site)
    site.clock.advance(days=3, seconds=1)

    response = site.client.get(link)

    assert response.status_code == 410
    assert "expired" in response.text
    assert "recipient,state" not in response.text


def test_a_tampered_link_is_not_found(site: Site) -> None:
    _, link = a_ready_report(site)
    expires = int(re.search(r"expires=(\d+)", link).group(1))  # type: ignore[union-attr]

    stretched = site.client.get(link.replace(f"expires={expires}", f"expires={expires + 864000}"))
    unsigned = site.client.get(link.split("?")[0])

    assert (stretched.status_code, unsigned.status_code) == (404, 404)
    assert "recipient,state" not in stretched.text + unsigned.text


def test_a_link_does_not_open_another_report(site: Site) -> None:
    report_id, link = a_ready_report(site)
    post = site.container.list_posts()(status=None, limit=1, offset=0).posts[0]
    editor = site.container.list_editors()()[0][0]
    other, _ = site.container.request_report()(post.id, requested_by=editor.id)
    site.clock.advance(seconds=1)

    response = site.client.get(link.replace(report_id, str(other.id)))

    assert response.status_code == 404
    assert site.client.get(link).status_code == 200


def test_the_link_lasts_seven_days_by_default(tmp_path: Path) -> None:
    container = build_container(load_settings({}))
    container.dev_secret_key_file.override(providers.Object(tmp_path / "secret_key"))

    assert container.report_links().lifetime == timedelta(days=7)
