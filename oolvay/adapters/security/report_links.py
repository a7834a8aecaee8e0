"""HmacReportLinks: a link that downloads one report, without signing in, until it expires.

``{base}/reports/{id}/download?expires=<unix time>&signature=<HMAC>``: the signature covers
the report's id and the expiry, under a key derived from the secret key for this purpose
alone, so a link cannot be moved to another report, stretched, or made from another kind
of token. Nothing is stored."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import uuid
from datetime import timedelta
from urllib.parse import urlencode

from oolvay.application.ports import Clock

PURPOSE = "report-download"


class LinkCheck(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    """Genuine, but too old: worth saying so, since it reveals nothing."""
    INVALID = "invalid"
    """Not made by us for this report: answered as an unknown report."""


def download_path(report_id: uuid.UUID) -> str:
    return f"/reports/{report_id}/download"


class HmacReportLinks:
    def __init__(
        self, secret_key: str, *, base_url: str, lifetime: timedelta, clock: Clock
    ) -> None:
        if not secret_key:
            raise ValueError("the secret key is empty")
        self._key = hmac.digest(secret_key.encode(), f"oolvay:{PURPOSE}".encode(), "sha256")
        self._base_url = base_url.rstrip("/")
        self._lifetime = lifetime
        self._clock = clock

    @property
    def lifetime(self) -> timedelta:
        return self._lifetime

    def url(self, report_id: uuid.UUID) -> str:
        """A link to the report's CSV that works for ``lifetime`` from now."""
        expires = int((self._clock.now() + self._lifetime).timestamp())
        query = urlencode({"expires": expires, "signature": self._sign(report_id, expires)})
        return f"{self._base_url}{download_path(report_id)}?{query}"

    def check(self, report_id: uuid.UUID, *, expires: str, signature: str) -> LinkCheck:
        if not expires.isdigit() or len(expires) > 12 or not signature.isascii():
            return LinkCheck.INVALID
        expected = self._sign(report_id, int(expires))
        if not hmac.compare_digest(signature, expected):
            return LinkCheck.INVALID
        if int(expires) <= self._clock.now().timestamp():
            return LinkCheck.EXPIRED
        return LinkCheck.VALID

    def _sign(self, report_id: uuid.UUID, expires: int) -> str:
        mac = hmac.digest(self._key, f"{report_id}:{expires}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac[:16]).rstrip(b"=").decode("ascii")
