"""DKIM keys made for a test: RSA of any size (cryptography makes 1024 bits and more only),
Ed25519, and the DNS lookup dkimpy verifies with, answered from those keys."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from oolvay.adapters.email.dkim import DkimKey

_NO_PASSWORD = serialization.NoEncryption()


def rsa_pem(bits: int = 2048) -> str:
    key = rsa.generate_private_key(65537, bits) if bits >= 1024 else _small_rsa(bits)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, _NO_PASSWORD
    ).decode()


def ed25519_pem() -> str:
    return (
        ed25519.Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, _NO_PASSWORD)
        .decode()
    )


def dns_answering(keys: Mapping[str, DkimKey] | list[DkimKey]) -> Callable[..., bytes]:
    """A dkimpy ``dnsfunc`` that knows only these keys' TXT records."""
    known = keys.values() if isinstance(keys, Mapping) else keys
    records = {f"{key.record_name}.".encode(): key.record.encode() for key in known}

    def lookup(name: bytes, timeout: float = 5) -> bytes:
        return records.get(name, b"")

    return lookup


def _small_rsa(bits: int) -> rsa.RSAPrivateKey:
    """Too small for any real use: what a test of the refusal needs."""
    e = 65537
    while True:
        p, q = _prime(bits // 2), _prime(bits - bits // 2)
        phi = (p - 1) * (q - 1)
        if p != q and phi % e:
            break
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p,
        q,
        d,
        rsa.rsa_crt_dmp1(d, p),
        rsa.rsa_crt_dmq1(d, q),
        rsa.rsa_crt_iqmp(p, q),
        rsa.RSAPublicNumbers(e, p * q),
    )
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def _prime(bits: int) -> int:
    while True:
        # The top two bits set: the product of two such primes has all the bits asked for.
        candidate = secrets.randbits(bits) | (3 << (bits - 2)) | 1
        if _probably_prime(candidate):
            return candidate


def _probably_prime(n: int, rounds: int = 32) -> bool:
    if n % 3 == 0 or n % 5 == 0 or n % 7 == 0:
        return False
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(rounds):
        x = pow(secrets.randbelow(n - 3) + 2, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True
