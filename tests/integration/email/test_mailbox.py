"""MailboxMailer: readable .eml files, one per message, in the order they were sent."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage as MimeMessage
from pathlib import Path

from oolvay.adapters.email.mailbox import MailboxMailer
from oolvay.application.mail import send_all
from oolvay.application.ports import EmailMessage, SendResult, SendStatus
from tests.fakes import FakeClock
from tests.integration.email.conftest import SENDER


def message(to: str, subject: str = "Hello") -> EmailMessage:
    return EmailMessage(
        to=to,
        subject=subject,
        text="Plain body\n",
        html="<p>HTML body</p>\n",
        headers=(("List-Unsubscribe", "<https://blog.example.com/unsubscribe/t>"),),
    )


def read(path: Path) -> MimeMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, MimeMessage)
    return parsed


def test_each_message_becomes_one_readable_eml_file(tmp_path: Path) -> None:
    mailbox = tmp_path / "var" / "mailbox"
    mailer = MailboxMailer(mailbox, SENDER, FakeClock())

    results = send_all(mailer, [message("ann@example.com"), message("bob@example.com")])

    assert results == [SendResult(SendStatus.SENT)] * 2
    files = sorted(mailbox.iterdir())
    assert [p.suffix for p in files] == [".eml", ".eml"]
    first = read(files[0])
    assert first["To"] == "ann@example.com"
    assert first["From"] == "Oolvay News <news@oolvay.example>"
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["List-Unsubscribe"] == "<https://blog.example.com/unsubscribe/t>"
    assert first["Message-ID"]
    assert [p.get_content() for p in first.iter_parts()] == ["Plain body\n", "<p>HTML body</p>\n"]
    assert b"Plain body" in files[0].read_bytes()  # as plain text, not base64


def test_file_names_sort_in_sending_order_and_name_the_recipient(tmp_path: Path) -> None:
    clock = FakeClock()
    mailer = MailboxMailer(tmp_path, SENDER, clock)

    send_all(mailer, [message("zed@example.com"), message("amy@example.com")])
    clock.advance(seconds=1)
    send_all(mailer, [message("bob@example.com")])

    names = sorted(p.name for p in tmp_path.iterdir())
    assert [read(tmp_path / n)["To"] for n in names] == [
        "zed@example.com",
        "amy@example.com",
        "bob@example.com",
    ]
    assert names[0].startswith("20260101T120000.000000Z-000000-zed@example.com-")


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    mailer = MailboxMailer(tmp_path, SENDER, FakeClock())

    send_all(mailer, [message(f"r{n}@example.com") for n in range(5)])

    assert all(p.name.endswith(".eml") and not p.name.startswith(".") for p in tmp_path.iterdir())
    assert len(list(tmp_path.iterdir())) == 5


def test_a_message_that_cannot_be_built_is_rejected_and_the_rest_written(tmp_path: Path) -> None:
    mailer = MailboxMailer(tmp_path, SENDER, FakeClock())

    results = send_all(mailer, [message("a@example.com", "two\nlines"), message("b@example.com")])

    assert results[0].status is SendStatus.REJECTED
    assert results[1].status is SendStatus.SENT
    assert [read(p)["To"] for p in tmp_path.iterdir()] == ["b@example.com"]


def test_a_mailbox_that_cannot_be_written_defers_with_the_reason(tmp_path: Path) -> None:
    blocker = tmp_path / "mailbox"
    blocker.write_text("a file where the directory should be")
    mailer = MailboxMailer(blocker, SENDER, FakeClock())

    [result] = send_all(mailer, [message("a@example.com")])

    assert result.status is SendStatus.DEFERRED
    assert "cannot write to mailbox" in (result.error or "")
