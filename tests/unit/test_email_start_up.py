"""Email settings are checked at start-up: what production refuses, and the mailer choice."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from oolvay.composition_root import build_container
from oolvay.settings import ConfigError, load_settings

REPO_CONFIG = Path(__file__).parents[2] / "config" / "site.toml"
KEY = "k" * 40
PRODUCTION = {
    "OOLVAY_ENV": "production",
    "SMTP_URL": "smtps://apikey:topsecret@smtp.example.com",
    "OOLVAY_SECRET_KEY": KEY,
    "OOLVAY_EMAIL__FROM_ADDRESS": "news@oolvay.io",
    "OOLVAY_BASE_URL": "https://oolvay.io",
}


def start(environ: Mapping[str, str]) -> str:
    """The start-up error message."""
    with pytest.raises(ConfigError) as caught:
        build_container(load_settings(environ, REPO_CONFIG))
    return str(caught.value)


def test_production_with_everything_set_starts_with_the_smtp_mailer() -> None:
    container = build_container(load_settings(PRODUCTION, REPO_CONFIG))

    assert container.mail_backend() == "smtp"


def test_development_without_smtp_url_uses_the_local_mailbox() -> None:
    container = build_container(load_settings({}, REPO_CONFIG))

    assert container.mail_backend() == "mailbox"


def test_production_without_smtp_url_refuses_to_start() -> None:
    message = start({**PRODUCTION, "SMTP_URL": ""})

    assert "SMTP_URL: not set" in message


def test_production_without_a_secret_key_refuses_to_start() -> None:
    message = start({k: v for k, v in PRODUCTION.items() if k != "OOLVAY_SECRET_KEY"})

    assert "OOLVAY_SECRET_KEY: not set" in message


def test_a_short_secret_key_refuses_to_start_without_showing_it() -> None:
    message = start({"OOLVAY_SECRET_KEY": "hunter2"})

    assert "OOLVAY_SECRET_KEY: shorter than 32 characters" in message
    assert "hunter2" not in message


def test_a_bad_smtp_url_names_the_setting_and_hides_the_password() -> None:
    message = start({"SMTP_URL": "smtp://apikey:topsecret@smtp.example.com:70000"})

    assert "environment variable SMTP_URL: the port must be a number" in message
    assert "topsecret" not in message


def test_production_refuses_a_placeholder_sender() -> None:
    message = start({**PRODUCTION, "OOLVAY_EMAIL__FROM_ADDRESS": "news@oolvay.test"})

    assert "email.from_address: news@oolvay.test is a placeholder" in message


def test_a_domain_that_only_ends_like_a_placeholder_is_fine() -> None:
    environ = {**PRODUCTION, "OOLVAY_EMAIL__FROM_ADDRESS": "news@myexample.com"}

    assert build_container(load_settings(environ, REPO_CONFIG)).mail_backend() == "smtp"


@pytest.mark.parametrize(
    ("base_url", "complaint"),
    [
        ("oolvay.io", "not an http:// or https:// address"),
        ("ftp://oolvay.io", "not an http:// or https:// address"),
        ("https://bücher.example", "must be ASCII"),
        ("http://oolvay.io", "production links must use https://"),
        ("https://oolvay.io\r\nBcc: x@example.com", "contains a space, a line break"),
        ("https://oolvay.io\n", "contains a space, a line break"),
        ("https://oolvay .io", "contains a space, a line break"),
        ("https://oolvay.io/<script>", "contains a space, a line break"),
        ("https://oolvay.io/?ref=email", "has a query (?) or a fragment (#)"),
        ("https://oolvay.io/#top", "has a query (?) or a fragment (#)"),
    ],
)
def test_a_base_url_unfit_for_email_links_refuses_to_start(base_url: str, complaint: str) -> None:
    message = start({**PRODUCTION, "OOLVAY_BASE_URL": base_url})

    assert f"OOLVAY_BASE_URL: {complaint}" in message


def test_every_problem_is_listed_at_once() -> None:
    message = start({"OOLVAY_ENV": "production"})

    assert "SMTP_URL" in message
    assert "OOLVAY_SECRET_KEY" in message
    assert "OOLVAY_BASE_URL" in message
    assert "email.from_address" in message


@pytest.mark.parametrize(
    ("variable", "value", "key"),
    [
        ("OOLVAY_EMAIL__FROM_ADDRESS", "not an address", "email.from_address"),
        ("OOLVAY_EMAIL__REPLY_TO", "nobody@", "email.reply_to"),
        ("OOLVAY_EMAIL__FROM_NAME", "Oolvay\nBcc: x@example.com", "email.from_name"),
        ("OOLVAY_EMAIL__FROM_NAME", "Oolvay\x00", "email.from_name"),
        ("OOLVAY_EMAIL__FROM_NAME", "Oolvay\x1b[31m", "email.from_name"),
        ("OOLVAY_EMAIL__FROM_NAME", "Oolvay\tNews", "email.from_name"),
        ("OOLVAY_EMAIL__SMTP_TIMEOUT_SECONDS", "0", "email.smtp_timeout_seconds"),
    ],
)
def test_a_bad_email_setting_names_the_variable_and_the_key(
    variable: str, value: str, key: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({variable: value}, REPO_CONFIG)

    assert f"environment variable {variable}: {key}" in str(caught.value)


def test_a_dkim_key_that_does_not_load_refuses_to_start_without_showing_it() -> None:
    message = start(
        {
            "DKIM_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END",
            "DKIM_SELECTOR": "s",
        }
    )

    assert "environment variable DKIM_PRIVATE_KEY: not an unencrypted PEM private key" in message
    assert "c2VjcmV0" not in message


def test_a_bounce_address_with_no_room_for_the_token_refuses_to_start() -> None:
    with pytest.raises(ConfigError, match="at most 11 characters"):
        load_settings({"OOLVAY_EMAIL__BOUNCE_ADDRESS": "returned-mail@oolvay.io"}, REPO_CONFIG)


def test_a_base_url_with_a_path_is_fine() -> None:
    environ = {**PRODUCTION, "OOLVAY_BASE_URL": "https://oolvay.io/news"}

    assert build_container(load_settings(environ, REPO_CONFIG)).mail_backend() == "smtp"


def test_a_sentry_dsn_that_is_not_one_refuses_to_start_naming_the_variable() -> None:
    message = start({"SENTRY_DSN": "not a dsn"})

    assert "environment variable SENTRY_DSN: not a Sentry DSN" in message
