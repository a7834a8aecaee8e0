"""Where the server listens, and the base URL that the links in emails start with.

Outside production an unset ``OOLVAY_BASE_URL`` follows the address the server listens on;
a base URL that is set and points at this machine but elsewhere is worth a warning."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from oolvay.settings import Problem

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
"""Where ``oolvay serve`` listens unless told otherwise."""
WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104 - names, not binds


def listen_url(host: str, port: int) -> str:
    """How this machine reaches a server listening on ``host:port``."""
    host = WILDCARDS.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def listening_at(environ: Mapping[str, str], host: str, port: int) -> dict[str, str]:
    """``environ`` for a server on ``host:port``: outside production, an unset
    ``OOLVAY_BASE_URL`` becomes that address, so that the links in emails reach it."""
    settled = dict(environ)
    if not environ.get("OOLVAY_BASE_URL") and environ.get("OOLVAY_ENV") != "production":
        settled["OOLVAY_BASE_URL"] = listen_url(host, port)
    return settled


def base_url_mismatch(base_url: str, host: str, port: int) -> Problem | None:
    """A warning when ``base_url`` names this machine but not where the server listens.

    A public name is left alone: a proxy in front of the server may well forward to it."""
    from oolvay.settings import Problem, Severity  # settings import this module's defaults

    try:
        parts = urlsplit(base_url)
        base_port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None  # not a URL at all: the email settings' own check says so
    base_host = (parts.hostname or "").lower()
    listening = WILDCARDS.get(host, host).lower()
    wildcard = host in WILDCARDS
    if not (_is_loopback(base_host) or base_host == listening):
        return None
    reached = base_port == port and (wildcard or base_host == listening or _is_loopback(listening))
    if reached:
        return None
    here = listen_url(host, port)
    return Problem(
        "environment variable OOLVAY_BASE_URL",
        f"{base_url} is not where this server listens ({here})",
        "every link in the emails (the post, unsubscribe) would reach another server, or none",
        f"set it to {here}, or unset it outside production (links then follow --host, --port)",
        Severity.WARNING,
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
