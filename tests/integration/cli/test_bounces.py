"""Returned mail through both ways in, on a real database: a Maildir read by
``oolvay bounces process`` and the ``oolvay bounces serve`` SMTP listener; then the
suppression as the command line and the API show and lift it."""

from __future__ import annotations

import mailbox
import smtplib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import pytest
from aiosmtpd.controller import Controller

from oolvay.adapters.email.listener import ReturnedMailSmtpHandler, bounce_listener
from oolvay.adapters.security.return_paths import HmacReturnPaths
from oolvay.domain.bounces import BounceKind
from oolvay.domain.posts import Post
from oolvay.domain.users import User
from tests.builders import T0, a_post, a_subscriber
from tests.integration.cli.conftest import Cli
from tests.integration.conftest import an_author, given
from tests.returned_mail import arf, dsn


@attrs.frozen
class Sent:
    """A post sent to a reader: the return path its email carried."""

    post: Post
    reader: User
    return_path: str


@pytest.fixture
def sent(cli: Cli) -> Sent:
    post, reader = a_post(), a_subscriber(1, email="ann@example.org")
    post.publish(T0)
    given(cli.container.uow(), an_author(), post, reader)
    return_path = cli.container.return_paths().address(reader.id, post.id)
    return Sent(post, reader, return_path)


@attrs.frozen
class Maildir:
    path: str
    box: mailbox.Maildir

    def add(self, raw: bytes) -> None:
        self.box.add(raw)


@pytest.fixture
def maildir(tmp_path: Path) -> Maildir:
    path = tmp_path / "bounces"
    return Maildir(str(path), mailbox.Maildir(path, create=True))


@pytest.fixture
def listener(cli: Cli, free_tcp_port: int) -> Iterator[tuple[Controller, ReturnedMailSmtpHandler]]:
    address = cli.container.config.email.bounce_address_or_default()
    controller, handler = bounce_listener(
        cli.container.returned_mail_handler(),
        bounce_address=address,
        host="127.0.0.1",
        port=free_tcp_port,
    )
    controller.start()
    yield controller, handler
    controller.stop()


def user_of(cli: Cli, sent: Sent) -> User:
    uow = cli.container.uow()
    with uow:
        user = uow.users.get(sent.reader.id)
    assert user is not None
    return user


def events(cli: Cli, sent: Sent) -> list[tuple[BounceKind, str]]:
    uow = cli.container.uow()
    with uow:
        found = uow.bounce_events.for_user(sent.reader.id, limit=10)
    return sorted((event.kind, event.source) for event in found)


def smtp_to(controller: Controller, rcpt: str, raw: bytes) -> None:
    with smtplib.SMTP(controller.hostname, controller.port, timeout=5) as client:
        client.sendmail("", [rcpt], raw)


def test_a_bounce_in_the_maildir_suppresses_its_recipient_once(
    cli: Cli, sent: Sent, maildir: Maildir
) -> None:
    maildir.add(dsn(return_path=sent.return_path, recipient=sent.reader.email))

    first = cli.invoke("bounces", "process", maildir.path)
    maildir.add(dsn(return_path=sent.return_path, recipient=sent.reader.email))
    again = cli.invoke("bounces", "process", maildir.path)

    assert first.exit_code == 0, first.output
    assert "read 1: suppressed 1" in first.output
    assert "read 1: duplicate 1" in again.output
    assert user_of(cli, sent).bounced
    assert events(cli, sent) == [(BounceKind.HARD_BOUNCE, "maildir")]
    # Read once, then marked seen: a third run reads nothing.
    assert "read 0" in cli.invoke("bounces", "process", maildir.path).output


def test_a_complaint_over_smtp_suppresses_and_the_same_report_by_maildir_counts_once(
    cli: Cli,
    sent: Sent,
    maildir: Maildir,
    listener: tuple[Controller, ReturnedMailSmtpHandler],
) -> None:
    controller, handler = listener
    report = arf(return_path=sent.return_path, recipient=sent.reader.email)

    smtp_to(controller, cli.container.config.email.bounce_address_or_default(), report)
    maildir.add(report)
    by_maildir = cli.invoke("bounces", "process", maildir.path)

    assert handler.outcomes == ["suppressed"]
    assert "duplicate 1" in by_maildir.output
    assert user_of(cli, sent).bounced
    assert events(cli, sent) == [(BounceKind.COMPLAINT, "smtp")]
    stats = cli.invoke("bounces", "stats", str(sent.post.id))
    assert "complaint     1" in stats.output


def test_a_bounce_sent_to_the_verp_address_over_smtp_suppresses(
    cli: Cli, sent: Sent, listener: tuple[Controller, ReturnedMailSmtpHandler]
) -> None:
    controller, handler = listener
    raw = dsn(return_path=sent.return_path, recipient=sent.reader.email, delivered_to=False)

    smtp_to(controller, sent.return_path, raw)

    assert handler.outcomes == ["suppressed"]
    assert user_of(cli, sent).bounced


def test_forged_bounces_with_a_bad_token_change_nothing(
    cli: Cli,
    sent: Sent,
    maildir: Maildir,
    listener: tuple[Controller, ReturnedMailSmtpHandler],
) -> None:
    controller, handler = listener
    local, _, domain = sent.return_path.partition("@")
    # One character of the token changed; and a well-formed token under another key.
    flipped = local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + domain
    other_key = HmacReturnPaths("x" * 40, bounce_address=f"bounces@{domain}")
    foreign = other_key.address(sent.reader.id, sent.post.id)
    maildir.add(dsn(return_path=flipped, recipient=sent.reader.email))
    maildir.add(dsn(return_path=foreign, recipient=sent.reader.email))

    by_maildir = cli.invoke("bounces", "process", maildir.path)
    smtp_to(controller, flipped, dsn(return_path=flipped, recipient=sent.reader.email))

    assert "read 2: not_ours 2" in by_maildir.output
    assert handler.outcomes == ["not_ours"]
    assert not user_of(cli, sent).bounced
    assert events(cli, sent) == []


def test_the_listener_takes_mail_for_the_bounce_address_only(
    listener: tuple[Controller, ReturnedMailSmtpHandler],
) -> None:
    controller, _ = listener

    with (
        smtplib.SMTP(controller.hostname, controller.port, timeout=5) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused),
    ):
        client.sendmail("", ["someone@example.org"], b"Subject: hi\r\n\r\nhello\r\n")


def test_a_suppression_is_shown_listed_and_lifted(cli: Cli, sent: Sent, maildir: Maildir) -> None:
    maildir.add(dsn(return_path=sent.return_path, recipient=sent.reader.email))
    cli.invoke("bounces", "process", maildir.path)

    shown = cli.invoke("users", "show", "ANN@example.org")
    listed = cli.invoke("users", "suppressed")
    lifted = cli.invoke("users", "unsuppress", "ann@example.org")

    assert "suppressed: yes" in shown.output
    assert "hard_bounce 5.1.1" in shown.output
    assert "ann@example.org\thard_bounce 5.1.1" in listed.output
    assert lifted.exit_code == 0
    assert not user_of(cli, sent).bounced
    assert cli.invoke("users", "unsuppress", "nobody@example.org").exit_code == 3


def test_a_folder_that_is_not_a_maildir_is_refused(cli: Cli, tmp_path: Path) -> None:
    result = cli.invoke("bounces", "process", str(tmp_path))

    assert result.exit_code == 3
    assert "is not a Maildir" in result.output


def test_reports_arriving_at_once_are_each_recorded(
    cli: Cli, listener: tuple[Controller, ReturnedMailSmtpHandler]
) -> None:
    controller, handler = listener
    post = a_post()
    post.publish(T0)
    readers = [a_subscriber(n) for n in range(6)]
    given(cli.container.uow(), an_author(), post, *readers)
    paths = cli.container.return_paths()
    reports = [
        (
            paths.address(r.id, post.id),
            dsn(return_path=paths.address(r.id, post.id), recipient=r.email),
        )
        for r in readers
    ]

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda report: smtp_to(controller, *report), reports))

    assert sorted(handler.outcomes) == ["suppressed"] * 6
    uow = cli.container.uow()
    with uow:
        assert len(uow.users.list_suppressed(limit=10)) == 6
