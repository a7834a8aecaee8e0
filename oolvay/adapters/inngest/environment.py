"""Which Inngest we talk to, decided once from the deployment variables and checked strictly."""

from __future__ import annotations

import enum
import re
import urllib.parse

import attrs

from oolvay.settings import ConfigError, Deployment

DEV_SERVER_URL = "http://127.0.0.1:8288"
CLOUD_API_URL = "https://api.inngest.com"
CLOUD_EVENT_API_URL = "https://inn.gs"

_CLOUD_VALUES = frozenset({"", "0", "false"})
_SIGNING_KEY = re.compile(r"^(signkey-\w+-)?(?P<hex>[0-9a-fA-F]+)$")


class InngestMode(enum.StrEnum):
    CLOUD = "cloud"
    """Inngest Cloud (or a self-hosted server): keys required, signatures checked."""
    DEV = "dev"
    """A local dev server: no keys, no signature checks."""


@attrs.frozen
class InngestEnvironment:
    """The validated answer to "which Inngest, with which keys"; the client is built from it."""

    mode: InngestMode
    base_url: str | None
    """Where the Inngest API and event API live; None means Inngest Cloud's own."""
    event_key: str | None = attrs.field(default=None, repr=False)
    signing_key: str | None = attrs.field(default=None, repr=False)
    signing_key_fallback: str | None = attrs.field(default=None, repr=False)
    serve_origin: str | None = None
    """The public origin Inngest should call us at (behind a proxy); None: the request's."""

    @property
    def is_cloud(self) -> bool:
        return self.mode is InngestMode.CLOUD

    @property
    def api_base_url(self) -> str:
        return self.base_url or CLOUD_API_URL

    @property
    def event_api_base_url(self) -> str:
        return self.base_url or CLOUD_EVENT_API_URL


def inngest_environment(deployment: Deployment, *, enabled: bool) -> InngestEnvironment:
    """Read ``INNGEST_*`` strictly; raise ConfigError listing every problem found.

    The SDK itself treats any unrecognised ``INNGEST_DEV`` value as dev mode (which turns off
    signature checks) and silently ignores malformed URLs, so nothing is left to it."""
    problems: list[str] = []
    mode, dev_url = _read_inngest_dev(deployment, problems)
    base_url = _url(deployment.inngest_base_url, "INNGEST_BASE_URL", problems) or dev_url
    serve_origin = _url(deployment.inngest_serve_origin, "INNGEST_SERVE_ORIGIN", problems)
    for name, key in (
        ("INNGEST_SIGNING_KEY", deployment.inngest_signing_key),
        ("INNGEST_SIGNING_KEY_FALLBACK", deployment.inngest_signing_key_fallback),
    ):
        if key is not None and not _SIGNING_KEY.match(key):
            problems.append(
                f"{name} is not an Inngest signing key (expected signkey-<env>-<hex digits>, "
                "as copied from the Inngest dashboard)"
            )
    if deployment.inngest_signing_key_fallback and not deployment.inngest_signing_key:
        problems.append(
            "INNGEST_SIGNING_KEY_FALLBACK is set without INNGEST_SIGNING_KEY: the fallback is "
            "the previous key during a rotation, next to the current one"
        )
    if enabled and mode is InngestMode.CLOUD:
        if not deployment.inngest_event_key:
            problems.append(
                "INNGEST_EVENT_KEY is not set: Inngest is enabled in cloud mode, where every "
                "event we send must carry the event key, so every publish would fail to reach "
                "Inngest. Copy it from the Inngest dashboard (Event Keys), or set INNGEST_DEV=1 "
                "to use a local dev server"
            )
        if not deployment.inngest_signing_key:
            problems.append(
                "INNGEST_SIGNING_KEY is not set: Inngest is enabled in cloud mode, where the "
                "signing key is what proves a call to /api/inngest comes from Inngest, so no "
                "worker could run. Copy it from the Inngest dashboard (Signing Keys), or set "
                "INNGEST_DEV=1 to use a local dev server"
            )
    if problems:
        raise ConfigError("invalid Inngest settings:\n  " + "\n  ".join(problems))
    return InngestEnvironment(
        mode=mode,
        base_url=base_url,
        event_key=deployment.inngest_event_key,
        signing_key=deployment.inngest_signing_key,
        signing_key_fallback=deployment.inngest_signing_key_fallback,
        serve_origin=serve_origin,
    )


def _read_inngest_dev(
    deployment: Deployment, problems: list[str]
) -> tuple[InngestMode, str | None]:
    raw = deployment.inngest_dev
    value = (raw or "").strip()
    if value.lower() in _CLOUD_VALUES:
        return InngestMode.CLOUD, None
    if deployment.is_production:
        problems.append(
            f"INNGEST_DEV={raw!r} with OOLVAY_ENV=production: dev mode sends events to a dev "
            "server that does not run in production and stops checking the signatures of calls "
            "to /api/inngest. Remove INNGEST_DEV from the production environment, or set it to 0"
        )
        return InngestMode.CLOUD, None
    if value == "1":
        return InngestMode.DEV, DEV_SERVER_URL
    if _is_http_url(value):
        return InngestMode.DEV, value.rstrip("/")
    problems.append(
        f"INNGEST_DEV={raw!r} is not understood: use 1 (the dev server at {DEV_SERVER_URL}), "
        "the URL of a dev server, or leave it unset, 0 or false for Inngest Cloud. (The SDK "
        "would take any other value as dev mode and turn off signature checks.)"
    )
    return InngestMode.CLOUD, None


def _url(value: str | None, name: str, problems: list[str]) -> str | None:
    if value is None:
        return None
    if not _is_http_url(value.strip()):
        problems.append(f"{name}={value!r} is not an http(s) URL such as https://example.com")
        return None
    return value.strip().rstrip("/")


def _is_http_url(value: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
