"""SMTP_URL: what each form means, and clear refusals that never repeat the password."""

from __future__ import annotations

import re

import pytest

from oolvay.adapters.email.smtp import Security, SmtpServer


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", SmtpServer("mail.example.com", 587, Security.STARTTLS)),
        ("smtps://mail.example.com", SmtpServer("mail.example.com", 465, Security.TLS)),
        (
            "smtp://mail.example.com:2525?starttls=true",
            SmtpServer("mail.example.com", 2525, Security.STARTTLS),
        ),
        ("smtp://localhost:1025?starttls=false", SmtpServer("localhost", 1025, Security.NONE)),
        (
            "smtp://apikey:p%40ss%3Aword@mail.example.com:587",
            SmtpServer("mail.example.com", 587, Security.STARTTLS, "apikey", "p@ss:word"),
        ),
        (
            "smtps://user%40example.com:pw@mail.example.com",
            SmtpServer("mail.example.com", 465, Security.TLS, "user@example.com", "pw"),
        ),
        (
            "smtp://user:pw@127.0.0.1:25?starttls=false",
            SmtpServer("127.0.0.1", 25, Security.NONE, "user", "pw"),
        ),
    ],
)
def test_a_valid_url_says_where_and_how(url: str, expected: SmtpServer) -> None:
    assert SmtpServer.from_url(url) == expected


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://mail.example.com", "must start with smtp://"),
        ("mail.example.com:587", "must start with smtp://"),
        ("smtp://", "names no host"),
        ("smtp://user:topsecret@mail.example.com:99999", "port must be a number"),
        ("smtp://user:topsecret@mail.example.com:abc", "port must be a number"),
        ("smtp://mail.example.com?tls=yes", "unknown option 'tls'"),
        ("smtps://mail.example.com?starttls=true", "unknown option 'starttls'"),
        ("smtp://mail.example.com?starttls=maybe", "starttls must be true or false"),
        ("smtp://:topsecret@mail.example.com", "has a password but no user name"),
        ("smtp://mail.example.com/path", "takes no path"),
        (
            "smtp://user:topsecret@mail.example.com?starttls=false",
            "would send the password unencrypted",
        ),
    ],
)
def test_an_invalid_url_is_refused_with_the_reason(url: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)) as caught:
        SmtpServer.from_url(url)

    assert "topsecret" not in str(caught.value)


def test_the_password_is_not_shown_in_its_repr() -> None:
    server = SmtpServer.from_url("smtps://user:topsecret@mail.example.com")

    assert "topsecret" not in repr(server)
    assert "topsecret" not in str(server)
