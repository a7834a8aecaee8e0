"""Returned mail read as flufl.bounce and the standard library parser read it."""

from __future__ import annotations

from oolvay.adapters.email.returned import read_returned_mail
from oolvay.domain.bounces import BounceKind
from tests.returned_mail import arf, auto_reply, dsn

VERP = "bounces+abc@oolvay.example"


def test_a_permanent_failure_is_a_hard_bounce_with_its_status_and_diagnostic() -> None:
    mail = read_returned_mail(dsn(return_path=VERP, recipient="ann@example.org"))

    assert mail is not None
    assert mail.kind is BounceKind.HARD_BOUNCE
    assert mail.status == "5.1.1"
    assert mail.detail == (
        "smtp; 550 5.1.1 <ann@example.org>: Recipient address rejected: User unknown"
    )
    assert VERP in mail.return_paths


def test_a_delay_notice_is_a_soft_bounce() -> None:
    mail = read_returned_mail(
        dsn(
            return_path=VERP,
            recipient="ann@example.org",
            action="delayed",
            status="4.4.1",
            diagnostic="smtp; 421 4.4.1 connection timed out",
        )
    )

    assert mail is not None
    assert (mail.kind, mail.status) == (BounceKind.SOFT_BOUNCE, "4.4.1")


def test_the_smtp_envelope_recipient_comes_first() -> None:
    raw = dsn(return_path="someone@else.example", recipient="ann@example.org", delivered_to=False)

    mail = read_returned_mail(raw, envelope_to=[VERP])

    assert mail is not None
    assert mail.return_paths[0] == VERP


def test_an_abuse_report_is_a_complaint_naming_the_original_return_path() -> None:
    mail = read_returned_mail(arf(return_path=VERP, recipient="ann@example.org"))

    assert mail is not None
    assert (mail.kind, mail.status, mail.detail) == (
        BounceKind.COMPLAINT,
        "abuse",
        "ProviderFBL/1.0",
    )
    assert mail.return_paths[0] == VERP


def test_a_not_spam_report_and_an_auto_reply_are_neither() -> None:
    not_spam = arf(return_path=VERP, recipient="ann@example.org", feedback_type="not-spam")

    assert read_returned_mail(not_spam) is None
    assert read_returned_mail(auto_reply(to=VERP)) is None
