"""The container's email wiring: mailbox by default, SMTP when SMTP_URL is set, and the
unsubscribe link in a sent email turning the reader's post emails off."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Mapping
from email.message import EmailMessage as MimeMessage
from pathlib import Path

import dkim
from dependency_injector import providers

from oolvay.adapters.email.mailbox import MailboxMailer
from oolvay.adapters.email.smtp import SmtpMailer
from oolvay.composition_root import Container, build_container
from oolvay.domain.ids import PostId
from oolvay.settings import load_settings
from tests.builders import a_post, a_subscriber
from tests.dkim_keys import dns_answering, rsa_pem
from tests.fakes import FakeUnitOfWork
from tests.integration.email.conftest import Sink, StartServer

REPO_CONFIG = Path(__file__).parents[3] / "config" / "site.toml"


def container_for(environ: Mapping[str, str], tmp_path: Path) -> tuple[Container, FakeUnitOfWork]:
    container = build_container(load_settings(environ, REPO_CONFIG))
    uow = FakeUnitOfWork()
    container.uow.override(providers.Object(uow))
    container.dev_secret_key_file.override(providers.Object(tmp_path / "secret_key"))
    return container, uow


def a_draft_for_readers(uow: FakeUnitOfWork, count: int) -> PostId:
    post = a_post(title="Hello & welcome", body="First words.")
    with uow:
        uow.posts.add(post)
        for n in range(count):
            uow.users.add(a_subscriber(n))
        uow.commit()
    return post.id


def test_without_smtp_url_publishing_writes_the_emails_to_the_local_mailbox(
    tmp_path: Path,
) -> None:
    mailbox = tmp_path / "mailbox"
    container, uow = container_for({"OOLVAY_EMAIL__MAILBOX_DIR": str(mailbox)}, tmp_path)
    post_id = a_draft_for_readers(uow, 3)

    container.publish_post()(post_id)

    assert isinstance(container.mailer(), MailboxMailer)
    files = sorted(mailbox.glob("*.eml"))
    assert len(files) == 3
    first = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert first["Subject"] == "New post: Hello & welcome"
    assert first["From"] == "Oolvay <notifications@oolvay.test>"
    assert (tmp_path / "secret_key").exists()


def test_the_unsubscribe_link_of_a_sent_email_turns_post_emails_off(tmp_path: Path) -> None:
    mailbox = tmp_path / "mailbox"
    container, uow = container_for({"OOLVAY_EMAIL__MAILBOX_DIR": str(mailbox)}, tmp_path)
    container.publish_post()(a_draft_for_readers(uow, 1))
    [file] = mailbox.glob("*.eml")
    message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
    assert isinstance(message, MimeMessage)
    link = re.fullmatch(
        r"<http://127\.0\.0\.1:8000/unsubscribe/(\S+)>", message["List-Unsubscribe"]
    )
    assert link is not None

    result = container.unsubscribe()(link.group(1))

    assert result.changed
    with uow:
        user = uow.users.get(a_subscriber(0).id)
        assert user is not None
        assert user.wants_post_emails is False


def test_the_dev_secret_key_survives_a_restart(tmp_path: Path) -> None:
    before, _ = container_for({}, tmp_path)
    token = before.unsubscribe_tokens().issue(a_subscriber(0).id)

    after, _ = container_for({}, tmp_path)

    assert after.unsubscribe_tokens().verify(token) == a_subscriber(0).id


def test_with_smtp_url_publishing_sends_over_smtp(
    start_server: StartServer, tmp_path: Path
) -> None:
    sink = Sink()
    controller = start_server(sink)
    environ = {
        "SMTP_URL": f"smtp://127.0.0.1:{controller.port}?starttls=false",
        "OOLVAY_SECRET_KEY": "s" * 40,
        "OOLVAY_BASE_URL": "https://blog.example.com",
    }
    container, uow = container_for(environ, tmp_path)
    post_id = a_draft_for_readers(uow, 3)

    container.publish_post()(post_id)

    assert isinstance(container.mailer(), SmtpMailer)
    assert sorted(sink.recipients) == [f"reader{n}@example.com" for n in range(3)]
    assert sink.connections == 1
    unsubscribe = sink.received[0].message["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://blog.example.com/unsubscribe/")
    assert not (tmp_path / "secret_key").exists()  # the key came from OOLVAY_SECRET_KEY


def test_with_verp_and_dkim_the_mailbox_holds_signed_mail_with_its_own_return_path(
    tmp_path: Path,
) -> None:
    key = rsa_pem(2048)
    mailbox = tmp_path / "mailbox"
    environ = {
        "OOLVAY_EMAIL__MAILBOX_DIR": str(mailbox),
        "OOLVAY_EMAIL__VERP": "true",
        "OOLVAY_EMAIL__FROM_ADDRESS": "news@oolvay.example",
        "DKIM_PRIVATE_KEY": key,
        "DKIM_SELECTOR": "mail",
    }
    container, uow = container_for(environ, tmp_path)
    post_id = a_draft_for_readers(uow, 1)

    container.publish_post()(post_id)

    [file] = mailbox.glob("*.eml")
    raw = file.read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return_path = message["Return-Path"].strip("<>")
    assert return_path.startswith("bounces+")
    assert return_path.endswith("@oolvay.example")
    assert container.return_paths().verify(return_path, post_id) == a_subscriber(0).id
    signer = container.dkim_signer()
    assert signer is not None
    [signer_key] = signer.keys
    assert dkim.verify(raw, dnsfunc=dns_answering([signer_key]))


def test_without_verp_the_envelope_sender_is_the_from_address(
    tmp_path: Path, start_server: StartServer
) -> None:
    sink = Sink()
    controller = start_server(sink)
    container, uow = container_for(
        {"SMTP_URL": f"smtp://127.0.0.1:{controller.port}?starttls=false"}, tmp_path
    )
    post_id = a_draft_for_readers(uow, 1)

    container.publish_post()(post_id)

    assert [r.mail_from for r in sink.received] == ["notifications@oolvay.test"]
    assert container.dkim_signer() is None
