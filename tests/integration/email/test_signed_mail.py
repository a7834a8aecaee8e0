"""What a real SMTP server receives from a signing mailer: a DKIM signature that verifies
against the public key and covers the one-click unsubscribe headers, List-Id, Feedback-ID,
and a return path of the recipient's own."""

from __future__ import annotations

import dkim

from oolvay.adapters.email.dkim import DkimSigner, load_key
from oolvay.adapters.email.rendering import JinjaNotificationRenderer
from oolvay.adapters.email.smtp import Security, SmtpMailer, SmtpServer
from oolvay.adapters.security.return_paths import HmacReturnPaths
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.application.mail import send_all
from oolvay.application.ports import SendStatus
from tests.builders import a_post, a_subscriber
from tests.dkim_keys import dns_answering, rsa_pem
from tests.fakes import FakeClock
from tests.integration.email.conftest import SENDER, Sink, StartServer

KEY = load_key(rsa_pem(2048), selector="mail", domain=SENDER.domain, variable="DKIM_PRIVATE_KEY")
RETURN_PATHS = HmacReturnPaths("k" * 40, bounce_address=f"bounces@{SENDER.domain}")
RENDERER = JinjaNotificationRenderer(
    base_url="https://oolvay.example",
    tokens=HmacUserTokens("k" * 40, purpose="unsubscribe"),
    site_name="Oolvay News",
    list_domain=SENDER.domain,
    return_paths=RETURN_PATHS,
)


def test_a_notification_arrives_signed_with_its_own_return_path(
    start_server: StartServer,
) -> None:
    sink = Sink()
    controller = start_server(sink)
    mailer = SmtpMailer(
        SmtpServer("127.0.0.1", controller.port, Security.NONE),
        SENDER,
        FakeClock(),
        timeout=5,
        signer=DkimSigner([KEY]),
    )
    post, reader = a_post(), a_subscriber(1)

    [result] = send_all(mailer, [RENDERER.post_notification(post, reader)])

    assert result.status is SendStatus.SENT
    [received] = sink.received
    assert dkim.verify(received.raw, dnsfunc=dns_answering([KEY]))
    signed = dkim.DKIM(received.raw)
    signed.verify(dnsfunc=dns_answering([KEY]))
    covered = set(signed.include_headers)
    assert {b"list-unsubscribe", b"list-unsubscribe-post", b"list-id", b"feedback-id"} <= covered
    assert {b"from", b"subject", b"date", b"message-id"} <= covered
    assert received.message["List-Id"] == f'"Oolvay News" <posts.{SENDER.domain}>'
    assert received.message["Feedback-ID"] == f"{post.id}:posts:notification:{SENDER.domain}"
    assert received.mail_from == RETURN_PATHS.address(reader.id, post.id)
    assert RETURN_PATHS.verify(received.mail_from, post.id) == reader.id


def test_a_message_changed_on_the_way_no_longer_verifies(start_server: StartServer) -> None:
    sink = Sink()
    controller = start_server(sink)
    mailer = SmtpMailer(
        SmtpServer("127.0.0.1", controller.port, Security.NONE),
        SENDER,
        FakeClock(),
        timeout=5,
        signer=DkimSigner([KEY]),
    )
    send_all(mailer, [RENDERER.post_notification(a_post(), a_subscriber(1))])
    raw = sink.received[0].raw

    forged = raw.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"X-Dropped: 1")

    assert forged != raw
    assert not dkim.verify(forged, dnsfunc=dns_answering([KEY]))
