"""SmtpMailer over STARTTLS and implicit TLS, with and without AUTH, against aiosmtpd."""

from __future__ import annotations

import ssl

from oolvay.adapters.email.smtp import Security, SmtpMailer, SmtpServer
from oolvay.application.mail import send_all
from oolvay.application.ports import EmailMessage, SendResult, SendStatus
from tests.fakes import FakeClock
from tests.integration.email.conftest import (
    SENDER,
    LoopbackController,
    Sink,
    StartServer,
    Tls,
    authenticator,
)

MESSAGES = [
    EmailMessage(to=f"reader{n}@example.com", subject="Hello", text="Body\n") for n in range(3)
]


def mailer(
    controller: LoopbackController,
    security: Security,
    context: ssl.SSLContext,
    user: str | None = None,
    password: str | None = None,
) -> SmtpMailer:
    server = SmtpServer("127.0.0.1", controller.port, security, user, password)
    return SmtpMailer(server, SENDER, FakeClock(), timeout=5, ssl_context=context)


def test_starttls_with_auth_delivers_the_batch(start_server: StartServer, tls: Tls) -> None:
    sink = Sink()
    controller = start_server(
        sink,
        tls_context=tls.server,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator("oolvay", "s3cret:/@"),
    )

    results = send_all(
        mailer(controller, Security.STARTTLS, tls.client, "oolvay", "s3cret:/@"), MESSAGES
    )

    assert results == [SendResult(SendStatus.SENT)] * 3
    assert sink.recipients == [m.to for m in MESSAGES]
    assert sink.connections == 1


def test_a_wrong_password_defers_the_batch_and_says_why(
    start_server: StartServer, tls: Tls
) -> None:
    sink = Sink()
    controller = start_server(
        sink,
        tls_context=tls.server,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator("oolvay", "right"),
    )

    results = send_all(
        mailer(controller, Security.STARTTLS, tls.client, "oolvay", "wrong"), MESSAGES
    )

    assert [r.status for r in results] == [SendStatus.DEFERRED] * 3
    assert all("SMTP authentication failed: 535" in (r.error or "") for r in results)
    assert "wrong" not in (results[0].error or "")
    assert sink.received == []


def test_a_certificate_we_do_not_trust_is_refused(start_server: StartServer, tls: Tls) -> None:
    sink = Sink()
    controller = start_server(sink, tls_context=tls.server, require_starttls=True)

    results = send_all(
        mailer(controller, Security.STARTTLS, ssl.create_default_context()), MESSAGES
    )

    assert [r.status for r in results] == [SendStatus.DEFERRED] * 3
    assert "CERTIFICATE_VERIFY_FAILED" in (results[0].error or "")
    assert sink.received == []


def test_starttls_is_required_when_asked_for(start_server: StartServer, tls: Tls) -> None:
    sink = Sink()
    controller = start_server(sink)  # offers no STARTTLS

    results = send_all(mailer(controller, Security.STARTTLS, tls.client), MESSAGES)

    assert [r.status for r in results] == [SendStatus.DEFERRED] * 3
    assert "STARTTLS" in (results[0].error or "")
    assert sink.received == []


def test_implicit_tls_delivers_the_batch(start_server: StartServer, tls: Tls) -> None:
    sink = Sink()
    controller = start_server(sink, ssl_context=tls.server)

    results = send_all(mailer(controller, Security.TLS, tls.client), MESSAGES)

    assert results == [SendResult(SendStatus.SENT)] * 3
    assert sink.recipients == [m.to for m in MESSAGES]
