"""SmtpMailer against servers that misbehave on purpose: every message gets the right result."""

from __future__ import annotations

import socket

import pytest

from oolvay.adapters.email.smtp import Security, SmtpMailer, SmtpServer
from oolvay.application.mail import send_all
from oolvay.application.ports import EmailMessage, MailTransportUnavailable, SendResult, SendStatus
from tests.fakes import FakeClock
from tests.integration.email.conftest import (
    SENDER,
    DroppingSink,
    RefusingSink,
    Sink,
    StartServer,
    plain_mailer,
)

SENT = SendResult(SendStatus.SENT)


def to(*addresses: str) -> list[EmailMessage]:
    return [EmailMessage(to=address, subject="Hello", text="Body\n") for address in addresses]


def readers(count: int) -> list[str]:
    return [f"reader{n}@example.com" for n in range(count)]


def test_a_recipient_refused_for_good_is_rejected_and_the_batch_goes_on(
    start_server: StartServer,
) -> None:
    sink = RefusingSink({"reader1@example.com": "550 5.1.1 no such mailbox"})
    mailer = plain_mailer(start_server(sink))

    results = send_all(mailer, to(*readers(3)))

    assert results == [
        SENT,
        SendResult(
            SendStatus.REJECTED, "550 5.1.1 no such mailbox", code=550, enhanced_code="5.1.1"
        ),
        SENT,
    ]
    assert sink.recipients == ["reader0@example.com", "reader2@example.com"]
    assert sink.connections == 1


def test_a_recipient_refused_for_now_is_deferred_and_the_batch_goes_on(
    start_server: StartServer,
) -> None:
    sink = RefusingSink({"reader0@example.com": "450 4.2.1 mailbox busy, try later"})
    mailer = plain_mailer(start_server(sink))

    results = send_all(mailer, to(*readers(2)))

    assert results == [
        SendResult(
            SendStatus.DEFERRED,
            "450 4.2.1 mailbox busy, try later",
            code=450,
            enhanced_code="4.2.1",
        ),
        SENT,
    ]
    assert sink.recipients == ["reader1@example.com"]


@pytest.mark.parametrize(
    "refusal",
    [
        "421 4.3.2 shutting down",
        "451 4.7.1 slow down, please",
        "454 4.7.0 TLS not available now",
        "450 4.2.0 rate limited: try again in 2 minutes",
    ],
)
def test_a_server_that_throttles_stops_the_session_with_its_wait(
    start_server: StartServer, refusal: str
) -> None:
    sink = RefusingSink({"reader1@example.com": refusal})
    mailer = plain_mailer(start_server(sink))

    with mailer.session() as session:
        first = session.send(to(*readers(1))[0])
        with pytest.raises(MailTransportUnavailable) as stopped:
            session.send(to(*readers(2))[1])

    assert first == SENT
    assert stopped.value.throttled
    assert refusal in stopped.value.reason
    assert stopped.value.retry_after == (120.0 if "2 minutes" in refusal else None)
    assert sink.recipients == ["reader0@example.com"]


def test_a_recipient_busy_for_now_is_deferred_and_the_session_goes_on(
    start_server: StartServer,
) -> None:
    sink = RefusingSink({"reader1@example.com": "450 4.2.1 mailbox busy"})
    mailer = plain_mailer(start_server(sink))

    results = send_all(mailer, to(*readers(3)))

    assert [r.status for r in results] == [SendStatus.SENT, SendStatus.DEFERRED, SendStatus.SENT]


def test_a_dropped_connection_is_reopened_and_nothing_is_lost_or_doubled(
    start_server: StartServer,
) -> None:
    sink = DroppingSink(after=3, times=1)
    mailer = plain_mailer(start_server(sink))

    results = send_all(mailer, to(*readers(6)))

    assert results == [SENT] * 6
    assert sink.recipients == readers(6)
    assert sink.connections == 2


def test_a_connection_that_drops_again_defers_the_rest_and_keeps_what_was_sent(
    start_server: StartServer,
) -> None:
    sink = DroppingSink(after=3, times=1_000)
    mailer = plain_mailer(start_server(sink))

    results = send_all(mailer, to(*readers(6)))

    assert results[:3] == [SENT] * 3
    assert [r.status for r in results[3:]] == [SendStatus.DEFERRED] * 3
    assert all("connection lost twice" in (r.error or "") for r in results[3:])
    assert sink.recipients == readers(3)
    assert sink.drops == 2


def test_no_server_defers_the_whole_batch_with_the_reason() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # nobody listens: bound but not listening
        mailer = SmtpMailer(SmtpServer("127.0.0.1", port, Security.NONE), SENDER, FakeClock())

        results = send_all(mailer, to(*readers(3)))

    assert [r.status for r in results] == [SendStatus.DEFERRED] * 3
    assert all("cannot open SMTP connection" in (r.error or "") for r in results)
    assert all(f"127.0.0.1:{port}" in (r.error or "") for r in results)


def test_an_address_the_server_cannot_take_is_rejected_and_the_batch_goes_on(
    start_server: StartServer,
) -> None:
    sink = Sink()
    mailer = plain_mailer(start_server(sink, enable_SMTPUTF8=False))

    results = send_all(mailer, to("reader0@example.com", "jörg@example.com", "reader2@example.com"))

    assert results[0] == results[2] == SENT
    assert results[1].status is SendStatus.REJECTED
    assert "SMTPUTF8" in (results[1].error or "")
    assert sink.recipients == ["reader0@example.com", "reader2@example.com"]


def test_an_international_address_goes_to_a_server_that_takes_it(
    start_server: StartServer,
) -> None:
    sink = Sink()
    mailer = plain_mailer(start_server(sink, enable_SMTPUTF8=True))

    results = send_all(mailer, to("jörg@example.com"))

    assert results == [SENT]
    assert sink.recipients == ["jörg@example.com"]


def test_a_message_that_cannot_be_built_is_rejected_and_the_batch_goes_on(
    start_server: StartServer,
) -> None:
    sink = Sink()
    mailer = plain_mailer(start_server(sink))
    broken = EmailMessage(to="reader1@example.com", subject="two\nlines", text="Body\n")

    results = send_all(mailer, [*to("reader0@example.com"), broken, *to("reader2@example.com")])

    assert results[1].status is SendStatus.REJECTED
    assert "cannot build the message" in (results[1].error or "")
    assert sink.recipients == ["reader0@example.com", "reader2@example.com"]
