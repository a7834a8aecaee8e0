"""DKIM signing with dkimpy: rsa-sha256, and optionally a second, ed25519-sha256 signature.

Keys come from deployment variables (``DKIM_PRIVATE_KEY``: a file or the PEM itself). They
are read once, at start-up, where a key that does not load, or is too short, stops the
program with the reason; ``oolvay doctor`` also prints the DNS record to publish."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

import attrs
import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from oolvay.settings import Deployment, Problem, Severity

MIN_RSA_BITS = 1024
"""What Gmail, Yahoo and Outlook accept at all."""
ADVISED_RSA_BITS = 2048
SIGNED_HEADERS = (
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "Reply-To",
    "List-Id",
    # RFC 8058: a one-click unsubscribe counts only when the signature covers both.
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Feedback-ID",
    "MIME-Version",
    "Content-Type",
)
"""Signed whether present or not: an absent one then cannot be added on the way."""
_SIGNED = tuple(name.lower().encode() for name in SIGNED_HEADERS)


class DkimKeyError(ValueError):
    """The key cannot be used; the message says why (never the key itself)."""


@attrs.frozen
class DkimKey:
    algorithm: str
    """``rsa-sha256`` or ``ed25519-sha256``."""
    selector: str
    domain: str
    private: bytes = attrs.field(repr=False)
    """In the form dkimpy takes: PEM for RSA, the base64 seed for ed25519."""
    public: str
    """The base64 public key, the ``p=`` of the DNS record."""
    bits: int | None = None

    @property
    def record_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    @property
    def record(self) -> str:
        kind = "rsa" if self.algorithm == "rsa-sha256" else "ed25519"
        return f"v=DKIM1; k={kind}; p={self.public}"

    def zone_line(self) -> str:
        """The TXT record as a zone file line, in strings of at most 255 characters."""
        chunks = [self.record[i : i + 255] for i in range(0, len(self.record), 255)]
        quoted = " ".join(f'"{chunk}"' for chunk in chunks)
        return f"{self.record_name}. IN TXT ( {quoted} )"


def _pem(raw: str, variable: str) -> bytes:
    text = raw.strip()
    if text.startswith("-----BEGIN"):
        # A PEM pasted into one line of an environment file keeps its breaks as "\n".
        return text.replace("\\n", "\n").encode()
    try:
        return Path(text).read_bytes()
    except OSError as error:
        raise DkimKeyError(
            f"{variable}: cannot read the key file {text}: {error.strerror}"
        ) from None


def load_key(raw: str, *, selector: str, domain: str, variable: str) -> DkimKey:
    """An RSA or Ed25519 private key (PEM, PKCS#1 or PKCS#8, unencrypted)."""
    try:
        key = serialization.load_pem_private_key(_pem(raw, variable), password=None)
    except (ValueError, TypeError) as error:
        raise DkimKeyError(f"{variable}: not an unencrypted PEM private key ({error})") from None
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise DkimKeyError(
                f"{variable}: a {key.key_size}-bit RSA key; receivers refuse fewer than "
                f"{MIN_RSA_BITS} bits"
            )
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return DkimKey("rsa-sha256", selector, domain, private, _b64(public), bits=key.key_size)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw_format = (serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        seed = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(*raw_format)
        return DkimKey("ed25519-sha256", selector, domain, _b64(seed).encode(), _b64(public))
    raise DkimKeyError(f"{variable}: DKIM takes an RSA or an Ed25519 key")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class DkimSigner:
    """Signs built messages: one DKIM-Signature per key, relaxed/relaxed canonicalisation
    (survives the re-folding and whitespace changes relays make)."""

    def __init__(self, keys: Sequence[DkimKey]) -> None:
        if not keys:
            raise ValueError("a signer needs at least one key")
        self.keys = tuple(keys)

    def signatures(self, message: bytes) -> bytes:
        """The DKIM-Signature header lines for ``message`` (CRLF line breaks), to put
        before its first header."""
        try:
            return b"".join(
                dkim.sign(
                    message,
                    key.selector.encode(),
                    key.domain.encode(),
                    key.private,
                    signature_algorithm=key.algorithm.encode(),
                    canonicalize=(b"relaxed", b"relaxed"),
                    include_headers=list(_SIGNED),
                )
                for key in self.keys
            )
        except dkim.DKIMException as error:
            # A ValueError: the mailers refuse this one message and go on.
            raise ValueError(f"cannot sign the message: {error}") from error


@attrs.frozen
class DkimSetup:
    signer: DkimSigner | None
    problems: tuple[Problem, ...] = ()


def dkim_setup(deployment: Deployment, from_address: str) -> DkimSetup:
    """The signer the deployment variables describe (None when DKIM is not configured),
    and what is wrong with them."""
    from_domain = from_address.rpartition("@")[2]
    domain = (deployment.dkim_domain or from_domain).lower()
    problems: list[Problem] = []
    keys: list[DkimKey] = []
    pairs = (
        (
            "DKIM_PRIVATE_KEY",
            deployment.dkim_private_key,
            "DKIM_SELECTOR",
            deployment.dkim_selector,
        ),
        (
            "DKIM_ED25519_PRIVATE_KEY",
            deployment.dkim_ed25519_private_key,
            "DKIM_ED25519_SELECTOR",
            deployment.dkim_ed25519_selector,
        ),
    )
    for key_variable, raw, selector_variable, selector in pairs:
        if bool(raw) != bool(selector):
            missing = selector_variable if raw else key_variable
            problems.append(_problem(missing, "not set", "DKIM needs a key and its selector"))
            continue
        if raw and selector:
            try:
                keys.append(load_key(raw, selector=selector, domain=domain, variable=key_variable))
            except DkimKeyError as error:
                problems.append(
                    _problem(key_variable, str(error).partition(": ")[2], "no mail can be signed")
                )
    problems.extend(_advice(deployment, keys, domain, from_domain))
    if any(problem.severity is Severity.ERROR for problem in problems) or not keys:
        return DkimSetup(None, tuple(problems))
    return DkimSetup(DkimSigner(keys), tuple(problems))


def _advice(
    deployment: Deployment, keys: list[DkimKey], domain: str, from_domain: str
) -> list[Problem]:
    advice = []
    if keys and keys[0].algorithm != "rsa-sha256":
        advice.append(
            _problem(
                "DKIM_ED25519_PRIVATE_KEY",
                "set without an RSA key (DKIM_PRIVATE_KEY)",
                "many receivers do not verify ed25519 yet: it can only be a second signature",
            )
        )
    for key in keys:
        if key.bits is not None and key.bits < ADVISED_RSA_BITS:
            advice.append(
                _problem(
                    "DKIM_PRIVATE_KEY",
                    f"a {key.bits}-bit RSA key",
                    f"{ADVISED_RSA_BITS} bits is what the large providers advise",
                    Severity.WARNING,
                    "make one: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048",
                )
            )
    aligned = from_domain == domain or from_domain.endswith(f".{domain}")
    if keys and not aligned:
        advice.append(
            _problem(
                "DKIM_DOMAIN",
                f"{domain} is not the From domain {from_domain} or a parent of it",
                "DMARC passes only with a signature aligned with the From address",
                Severity.WARNING,
                "sign for the From domain (unset DKIM_DOMAIN) or one of its parents",
            )
        )
    if not keys and deployment.is_production and not deployment.dkim_private_key:
        advice.append(
            _problem(
                "DKIM_PRIVATE_KEY",
                "not set in production",
                "Gmail, Yahoo and Outlook require DKIM of bulk senders",
                Severity.WARNING,
                "set DKIM_PRIVATE_KEY and DKIM_SELECTOR; `oolvay doctor` prints the record",
            )
        )
    return advice


def _problem(
    variable: str,
    what: str,
    why: str,
    severity: Severity = Severity.ERROR,
    fix: str = "see DKIM in the README",
) -> Problem:
    return Problem(f"environment variable {variable}", what, why, fix, severity)


def dkim_signer(deployment: Deployment, from_address: str) -> DkimSigner | None:
    """The signer, for the composition root (start-up has refused a setup with errors)."""
    return dkim_setup(deployment, from_address).signer
