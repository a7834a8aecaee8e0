"""Signed report download links: valid until they expire, for one report, one purpose."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from oolvay.adapters.security.report_links import HmacReportLinks, LinkCheck
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.domain.ids import UserId
from tests.fakes import FakeClock

KEY = "k" * 40
REPORT = uuid.UUID(int=7)


def links(clock: FakeClock, key: str = KEY) -> HmacReportLinks:
    return HmacReportLinks(
        key, base_url="https://blog.example.com/", lifetime=timedelta(days=7), clock=clock
    )


def parts(url: str) -> tuple[str, str, str]:
    split = urlsplit(url)
    query = {name: values[0] for name, values in parse_qs(split.query).items()}
    return split.path, query["expires"], query["signature"]


def test_a_link_names_the_report_and_works_until_it_expires() -> None:
    clock = FakeClock()
    signer = links(clock)
    path, expires, signature = parts(signer.url(REPORT))

    fresh = signer.check(REPORT, expires=expires, signature=signature)
    clock.advance(days=7, seconds=-1)
    last_second = signer.check(REPORT, expires=expires, signature=signature)
    clock.advance(seconds=1)
    expired = signer.check(REPORT, expires=expires, signature=signature)

    assert path == f"/reports/{REPORT}/download"
    assert signer.url(REPORT).startswith("https://blog.example.com/reports/")
    assert (fresh, last_second, expired) == (LinkCheck.VALID, LinkCheck.VALID, LinkCheck.EXPIRED)


def test_a_link_for_one_report_does_not_open_another() -> None:
    signer = links(FakeClock())
    _, expires, signature = parts(signer.url(REPORT))

    assert signer.check(uuid.UUID(int=8), expires=expires, signature=signature) is (
        LinkCheck.INVALID
    )


@pytest.mark.parametrize(
    "tamper",
    [
        lambda e, s: (str(int(e) + 86_400), s),  # a later expiry
        lambda e, s: (e, s[:-1] + ("A" if s[-1] != "A" else "B")),
        lambda e, s: (e, ""),
        lambda e, s: ("-1", s),
        lambda e, s: ("1e9", s),
        lambda e, s: (e, s + "é"),
    ],
)
def test_a_tampered_link_is_refused(tamper: object) -> None:
    signer = links(FakeClock())
    _, expires, signature = parts(signer.url(REPORT))
    expires, signature = tamper(expires, signature)  # type: ignore[operator]

    assert signer.check(REPORT, expires=expires, signature=signature) is LinkCheck.INVALID


def test_another_secret_key_or_another_purpose_makes_no_valid_link() -> None:
    clock = FakeClock()
    _, expires, signature = parts(links(clock, key="o" * 40).url(REPORT))
    unsubscribe = HmacUserTokens(KEY, purpose="unsubscribe").issue(UserId(REPORT))

    assert links(clock).check(REPORT, expires=expires, signature=signature) is LinkCheck.INVALID
    assert links(clock).check(REPORT, expires=expires, signature=unsubscribe.split(".")[1]) is (
        LinkCheck.INVALID
    )
