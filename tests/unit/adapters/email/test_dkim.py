"""DKIM keys as deployments give them, and what start-up says about them."""

from __future__ import annotations

from pathlib import Path

import dkim
import pytest

from oolvay.adapters.email.dkim import DkimKeyError, DkimSigner, dkim_setup, load_key
from oolvay.settings import Deployment, Severity
from tests.dkim_keys import dns_answering, ed25519_pem, rsa_pem

MESSAGE = (
    b"From: News <news@oolvay.io>\r\nTo: ann@example.org\r\nSubject: Hello\r\n"
    b"Date: Thu, 01 Jan 2026 12:00:00 +0000\r\nMessage-ID: <1@oolvay.io>\r\n"
    b"List-Unsubscribe: <https://oolvay.io/unsubscribe/t>\r\n"
    b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nBody\r\n"
)


def problems(**variables: str) -> list[tuple[str, Severity]]:
    setup = dkim_setup(Deployment.model_validate(variables), "news@oolvay.io")
    return [(p.setting.removeprefix("environment variable "), p.severity) for p in setup.problems]


def test_an_rsa_key_loads_from_its_pem_and_names_its_record() -> None:
    key = load_key(rsa_pem(2048), selector="mail", domain="oolvay.io", variable="DKIM_PRIVATE_KEY")

    assert (key.algorithm, key.bits) == ("rsa-sha256", 2048)
    assert key.record_name == "mail._domainkey.oolvay.io"
    assert key.record.startswith("v=DKIM1; k=rsa; p=MIIBIjAN")
    assert all(len(chunk) <= 257 for chunk in key.zone_line().split(" ") if chunk.startswith('"'))


def test_a_key_loads_from_a_file_or_a_pem_written_on_one_line(tmp_path: Path) -> None:
    pem = rsa_pem(1024)
    path = tmp_path / "dkim.pem"
    path.write_text(pem)

    from_file = load_key(str(path), selector="s", domain="d.io", variable="V")
    one_line = load_key(pem.replace("\n", "\\n"), selector="s", domain="d.io", variable="V")

    assert from_file.public == one_line.public


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("/nowhere/dkim.pem", "cannot read the key file"),
        (
            "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----",
            "not an unencrypted",
        ),
    ],
)
def test_a_key_that_does_not_load_is_refused_with_the_reason(raw: str, reason: str) -> None:
    with pytest.raises(DkimKeyError, match=reason):
        load_key(raw, selector="s", domain="d.io", variable="DKIM_PRIVATE_KEY")


def test_an_rsa_key_under_1024_bits_is_refused() -> None:
    with pytest.raises(DkimKeyError, match="a 768-bit RSA key; receivers refuse fewer than 1024"):
        load_key(rsa_pem(768), selector="s", domain="d.io", variable="DKIM_PRIVATE_KEY")


def test_start_up_refuses_a_short_key_and_advises_against_1024_bits() -> None:
    assert problems(dkim_private_key=rsa_pem(768), dkim_selector="s") == [
        ("DKIM_PRIVATE_KEY", Severity.ERROR)
    ]
    assert problems(dkim_private_key=rsa_pem(1024), dkim_selector="s") == [
        ("DKIM_PRIVATE_KEY", Severity.WARNING)
    ]
    assert problems(dkim_private_key=rsa_pem(2048), dkim_selector="s") == []


def test_a_key_without_its_selector_and_an_unaligned_domain_are_reported() -> None:
    assert problems(dkim_private_key=rsa_pem(2048)) == [("DKIM_SELECTOR", Severity.ERROR)]
    assert problems(
        dkim_private_key=rsa_pem(2048), dkim_selector="s", dkim_domain="elsewhere.io"
    ) == [("DKIM_DOMAIN", Severity.WARNING)]
    # A parent of the From domain aligns (DMARC's relaxed alignment).
    assert problems(dkim_private_key=rsa_pem(2048), dkim_selector="s", dkim_domain="io") == []


def test_production_without_dkim_is_warned_and_elsewhere_it_is_off() -> None:
    assert problems(oolvay_env="production") == [("DKIM_PRIVATE_KEY", Severity.WARNING)]
    assert dkim_setup(Deployment(), "news@oolvay.io").signer is None


def test_rsa_and_ed25519_signatures_both_verify_against_their_public_keys() -> None:
    rsa_key = load_key(rsa_pem(2048), selector="rsa", domain="oolvay.io", variable="V")
    ed_key = load_key(ed25519_pem(), selector="ed", domain="oolvay.io", variable="V")
    signed = DkimSigner([rsa_key, ed_key]).signatures(MESSAGE) + MESSAGE

    verifier = dkim.DKIM(signed)
    lookup = dns_answering([rsa_key, ed_key])

    assert verifier.verify(idx=0, dnsfunc=lookup)
    assert verifier.verify(idx=1, dnsfunc=lookup)
    assert not dkim.verify(signed.replace(b"Subject: Hello", b"Subject: Hullo"), dnsfunc=lookup)
