"""SmtpMailer against a real SMTP server: what the server receives, over how many connections."""

from __future__ import annotations

import re
from email.message import EmailMessage as MimeMessage
from email.utils import parsedate_to_datetime

from oolvay.adapters.email.mime import Sender
from oolvay.adapters.email.rendering import JinjaNotificationRenderer
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.application.mail import send_all
from oolvay.application.ports import EmailMessage, SendResult, SendStatus
from tests.builders import T0, a_post, a_subscriber
from tests.integration.email.conftest import SENDER, Sink, StartServer, plain_mailer

TOKENS = HmacUserTokens("k" * 40, purpose="unsubscribe")
BASE_URL = "https://news.blog.example.com/a-long-path-to-make-the-header-longer-than-a-line"
RENDERER = JinjaNotificationRenderer(base_url=BASE_URL, tokens=TOKENS, site_name="Oolvay")


def messages(count: int) -> list[EmailMessage]:
    return [
        EmailMessage(to=f"reader{n}@example.com", subject=f"Hello {n}", text=f"Body {n}\n")
        for n in range(count)
    ]


def parts(message: MimeMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in message.iter_parts()}


def test_a_batch_goes_over_one_connection(start_server: StartServer) -> None:
    sink = Sink()
    mailer = plain_mailer(start_server(sink))

    results = send_all(mailer, messages(25))

    assert results == [SendResult(SendStatus.SENT)] * 25
    assert sink.recipients == [f"reader{n}@example.com" for n in range(25)]
    assert sink.connections == 1


def test_the_next_batch_reuses_the_connection_of_the_last(start_server: StartServer) -> None:
    sink = Sink()
    mailer = plain_mailer(start_server(sink))

    send_all(mailer, messages(2))
    send_all(mailer, messages(2))

    assert sink.connections == 1
    assert len(sink.received) == 4


def test_the_server_receives_the_notification_with_bulk_and_unsubscribe_headers(
    start_server: StartServer,
) -> None:
    sink = Sink()
    mailer = plain_mailer(start_server(sink))
    post = a_post(title="Spring release", body="We shipped it. " * 5)
    post.publish(T0)
    reader = a_subscriber(7)

    [result] = send_all(mailer, [RENDERER.post_notification(post, reader)])

    assert result.status is SendStatus.SENT
    [received] = sink.received
    assert received.mail_from == SENDER.address
    assert received.rcpt_tos == ["reader7@example.com"]
    message = received.message
    assert message["From"] == "Oolvay News <news@oolvay.example>"
    assert message["To"] == "reader7@example.com"
    assert message["Subject"] == "New post: Spring release"
    assert re.fullmatch(r"<[^<>@\s]+@oolvay\.example>", message["Message-ID"])
    assert parsedate_to_datetime(message["Date"]) == T0  # from the mailer's clock
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Precedence"] == "bulk"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = f"{BASE_URL}/unsubscribe/{TOKENS.issue(reader.id)}"
    assert message["List-Unsubscribe"] == f"<{unsubscribe}>"
    # Written as is, on one line: a folded or RFC 2047-encoded URI is lost to mail clients.
    assert f"\r\nList-Unsubscribe: <{unsubscribe}>\r\n".encode() in received.raw
    assert message.get_content_type() == "multipart/alternative"
    bodies = parts(message)
    assert set(bodies) == {"text/plain", "text/html"}
    for body in bodies.values():
        assert unsubscribe in body
        assert f"{BASE_URL}/posts/{post.id}" in body
        assert "Spring release" in body
        assert "We shipped it." in body


def test_every_message_has_its_own_message_id(start_server: StartServer) -> None:
    sink = Sink()
    mailer = plain_mailer(start_server(sink))

    send_all(mailer, messages(10))

    assert len({r.message["Message-ID"] for r in sink.received}) == 10


def test_a_reply_to_address_from_config_is_set(start_server: StartServer) -> None:
    sink = Sink()
    sender = Sender(SENDER.address, SENDER.name, reply_to="editors@oolvay.example")
    mailer = plain_mailer(start_server(sink), sender)

    send_all(mailer, messages(1))

    assert sink.received[0].message["Reply-To"] == "editors@oolvay.example"


def test_an_empty_batch_does_not_connect(start_server: StartServer) -> None:
    sink = Sink()
    mailer = plain_mailer(start_server(sink))

    assert send_all(mailer, []) == []
    assert sink.connections == 0
