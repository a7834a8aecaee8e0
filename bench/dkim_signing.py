"""What DKIM costs per message: building a notification's MIME bytes as the mailers do,
unsigned and signed (dkimpy), in one run.

    uv run python bench/dkim_signing.py [--messages 500] [--runs 5]

The message is a real post notification (the renderer's text and HTML parts, its headers,
VERP return path); each way builds the same messages; the median of ``--runs`` is shown.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from bench.support import print_table
from oolvay.adapters.email.dkim import DkimSigner, load_key
from oolvay.adapters.email.mime import Sender, build_mime
from oolvay.adapters.email.rendering import JinjaNotificationRenderer
from oolvay.adapters.security.return_paths import HmacReturnPaths
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.application.ports import EmailMessage
from oolvay.domain.ids import UserId
from oolvay.domain.posts import Post
from oolvay.domain.users import User

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SENDER = Sender(address="news@oolvay.example", name="Oolvay")
NO_PASSWORD = serialization.NoEncryption()


def pem(key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, NO_PASSWORD
    ).decode()


def signer(*keys: str) -> DkimSigner:
    return DkimSigner(
        [
            load_key(k, selector=f"s{i}", domain=SENDER.domain, variable="V")
            for i, k in enumerate(keys)
        ]
    )


def notifications(count: int, *, list_headers: bool = True) -> list[EmailMessage]:
    renderer = JinjaNotificationRenderer(
        base_url="https://oolvay.example",
        tokens=HmacUserTokens("k" * 40, purpose="unsubscribe"),
        site_name="Oolvay",
        list_domain=SENDER.domain if list_headers else None,
        return_paths=HmacReturnPaths("k" * 40, bounce_address="bounces@oolvay.example")
        if list_headers
        else None,
    )
    post = Post.draft(
        title="What we learnt shipping bulk email",
        body="A post of a few paragraphs. " * 60,
        author_id=UserId(uuid.uuid4()),
        now=NOW,
    )
    return [
        renderer.post_notification(post, User.register(email=f"reader{n}@example.com", now=NOW))
        for n in range(count)
    ]


def per_message_ms(build: Callable[[EmailMessage], bytes], messages: list[EmailMessage]) -> float:
    started = time.perf_counter()
    for message in messages:
        build(message)
    return (time.perf_counter() - started) / len(messages) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    messages = notifications(args.messages)
    plain = notifications(args.messages, list_headers=False)
    rsa2048 = pem(rsa.generate_private_key(65537, 2048))
    ways: dict[str, DkimSigner | None] = {
        "unsigned": None,
        "rsa-sha256, 2048 bits": signer(rsa2048),
        "rsa-sha256, 1024 bits": signer(pem(rsa.generate_private_key(65537, 1024))),
        "ed25519-sha256": signer(pem(ed25519.Ed25519PrivateKey.generate())),
        "rsa 2048 + ed25519": signer(rsa2048, pem(ed25519.Ed25519PrivateKey.generate())),
    }
    timings: dict[str, list[float]] = {
        "unsigned, no List-Id/Feedback-ID": [],
        **{w: [] for w in ways},
    }
    for _ in range(args.runs):
        timings["unsigned, no List-Id/Feedback-ID"].append(
            per_message_ms(lambda m: build_mime(m, sender=SENDER, now=NOW), plain)
        )
        for way, dkim_signer in ways.items():
            timings[way].append(
                per_message_ms(
                    functools.partial(build_mime, sender=SENDER, now=NOW, signer=dkim_signer),
                    messages,
                )
            )
    unsigned = statistics.median(timings["unsigned"])
    rows = []
    for way, values in timings.items():
        ms = statistics.median(values)
        rows.append([way, ms, 1000 / ms, f"{ms / unsigned:,.0f}x"])
    print(f"{args.messages} post notifications built per run; median of {args.runs} runs")
    print_table(["way", "ms/message", "messages/s, one core", "vs unsigned"], rows)


if __name__ == "__main__":
    main()
