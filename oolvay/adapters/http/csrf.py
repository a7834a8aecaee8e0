"""CSRF protection for every form: a signed double-submit token, bound to the session.

A random browser id lives in an HttpOnly cookie; each form carries
HMAC(key, browser id | session), which only this server can compute. A forged form from
another site has no valid token (it cannot read our cookie or our key), and one built for
another browser or session does not verify here."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

BROWSER_COOKIE = "oolvay_browser"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Exception):
    """The form's token is missing or does not match this browser and session."""


class CsrfTokens:
    def __init__(self, secret_key: str) -> None:
        # A key of its own, so that no other signature of ours can pass for a CSRF token.
        self._key = hmac.new(secret_key.encode(), b"oolvay csrf v1", hashlib.sha256).digest()

    @staticmethod
    def new_browser_id() -> str:
        return secrets.token_urlsafe(24)

    def token(self, browser_id: str, session_secret: str | None) -> str:
        session = hashlib.sha256((session_secret or "").encode()).hexdigest()
        message = f"{browser_id}|{session}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def check(self, given: str | None, browser_id: str | None, session_secret: str | None) -> None:
        if not given or not browser_id:
            raise CsrfRefused("missing token")
        if not hmac.compare_digest(given, self.token(browser_id, session_secret)):
            raise CsrfRefused("token does not match")


async def submitted_token(request: Request) -> str | None:
    """The token a request carries: the X-CSRF-Token header, else the form field."""
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    # Starlette keeps the parsed form: the route's own Form() fields read the same one.
    value = (await request.form()).get(FIELD)
    return value if isinstance(value, str) else None
