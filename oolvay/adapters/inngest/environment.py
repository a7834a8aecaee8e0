"""Which Inngest we talk to, decided once from the deployment variables and checked strictly."""

from __future__ import annotations

import enum
import re
import urllib.parse

import attrs

from oolvay.settings import Deployment, Problem, Severity, raise_for_errors

DEV_SERVER_URL = "http://127.0.0.1:8288"
CLOUD_API_URL = "https://api.inngest.com"
CLOUD_EVENT_API_URL = "https://inn.gs"

_CLOUD_VALUES = frozenset({"", "0", "false"})
_SIGNING_KEY = re.compile(r"^(signkey-(?P<env>\w+?)-)?(?P<hex>[0-9a-fA-F]+)$")
_TEST_ENVIRONMENTS = frozenset({"test", "example", "dev", "local", "fake"})


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
    """Read ``INNGEST_*`` strictly; raise ConfigError listing every error found.

    The SDK itself treats any unrecognised ``INNGEST_DEV`` value as dev mode (which turns off
    signature checks) and silently ignores malformed URLs, so nothing is left to it."""
    raise_for_errors(inngest_problems(deployment, enabled=enabled), "invalid Inngest settings")
    mode, dev_url = _mode(deployment.inngest_dev)
    base_url = _clean_url(deployment.inngest_base_url) or dev_url
    return InngestEnvironment(
        mode=mode,
        base_url=base_url,
        event_key=deployment.inngest_event_key,
        signing_key=deployment.inngest_signing_key,
        signing_key_fallback=deployment.inngest_signing_key_fallback,
        serve_origin=_clean_url(deployment.inngest_serve_origin),
    )


def inngest_problems(deployment: Deployment, *, enabled: bool) -> list[Problem]:
    """Everything wrong with the ``INNGEST_*`` variables, errors and warnings."""
    problems = _inngest_dev_problems(deployment)
    for name in ("INNGEST_BASE_URL", "INNGEST_SERVE_ORIGIN"):
        value = getattr(deployment, name.lower())
        if value is not None and not _is_http_url(value.strip()):
            problems.append(
                Problem(
                    name,
                    f"{value!r} is not an http(s) URL",
                    "the SDK would silently ignore it",
                    "use a URL such as https://example.com, or unset it",
                )
            )
    for name, key in (
        ("INNGEST_SIGNING_KEY", deployment.inngest_signing_key),
        ("INNGEST_SIGNING_KEY_FALLBACK", deployment.inngest_signing_key_fallback),
    ):
        problems.extend(_signing_key_problems(name, key, production=deployment.is_production))
    if deployment.inngest_signing_key_fallback and not deployment.inngest_signing_key:
        problems.append(
            Problem(
                "INNGEST_SIGNING_KEY_FALLBACK",
                "set without INNGEST_SIGNING_KEY",
                "the fallback is the previous key during a rotation, next to the current one",
                "set INNGEST_SIGNING_KEY to the current key",
            )
        )
    if enabled and _mode(deployment.inngest_dev)[0] is InngestMode.CLOUD:
        local = "copy it from the Inngest dashboard ({}), or set INNGEST_DEV=1 for a dev server"
        if not deployment.inngest_event_key:
            problems.append(
                Problem(
                    "INNGEST_EVENT_KEY",
                    "not set while Inngest is enabled in cloud mode",
                    "every event we send must carry it: every publish would fail to reach Inngest",
                    local.format("Event Keys"),
                )
            )
        if not deployment.inngest_signing_key:
            problems.append(
                Problem(
                    "INNGEST_SIGNING_KEY",
                    "not set while Inngest is enabled in cloud mode",
                    "it proves a call to /api/inngest comes from Inngest: no worker could run",
                    local.format("Signing Keys"),
                )
            )
    return problems


def sending_problem(environment: InngestEnvironment) -> Problem | None:
    """Why events cannot be sent to Inngest from here, or None.

    Start-up checks this only where jobs go through Inngest; a command that sends events
    itself (``oolvay dispatches retry``) checks it wherever it runs."""
    if environment.is_cloud and not environment.event_key:
        return Problem(
            "INNGEST_EVENT_KEY",
            "not set here, and INNGEST_DEV is not set either",
            "Inngest Cloud refuses an event without the key: nothing would be sent",
            "set INNGEST_EVENT_KEY (and INNGEST_BASE_URL if self-hosted) as where the service "
            "runs, or INNGEST_DEV=1 for a local dev server",
        )
    return None


def _inngest_dev_problems(deployment: Deployment) -> list[Problem]:
    raw = deployment.inngest_dev
    value = (raw or "").strip()
    if value.lower() in _CLOUD_VALUES:
        return []
    if deployment.is_production:
        return [
            Problem(
                "INNGEST_DEV",
                f"set to {raw!r} with OOLVAY_ENV=production",
                "dev mode sends events to a dev server that does not run in production, and "
                "stops checking the signatures of calls to /api/inngest",
                "remove INNGEST_DEV from the production environment, or set it to 0",
            )
        ]
    if value == "1" or _is_http_url(value):
        return []
    return [
        Problem(
            "INNGEST_DEV",
            f"{raw!r} is not understood",
            "the SDK would take any other value as dev mode and turn off signature checks",
            f"use 1 (the dev server at {DEV_SERVER_URL}), a dev server's URL, "
            "or leave it unset, 0 or false for Inngest Cloud",
        )
    ]


def _signing_key_problems(name: str, key: str | None, *, production: bool) -> list[Problem]:
    if key is None:
        return []
    match = _SIGNING_KEY.match(key)
    if match is None:
        return [
            Problem(
                name,
                "not an Inngest signing key",
                "Inngest's signatures could never verify: every worker call would be refused",
                "copy the key (signkey-<env>-<hex digits>) from the Inngest dashboard",
            )
        ]
    digits = match.group("hex").lower()
    environment = (match.group("env") or "").lower()
    if environment in _TEST_ENVIRONMENTS or len(digits) < 32 or len(set(digits)) <= 2:
        return [
            Problem(
                name,
                "looks like a test or example value",
                "a known key lets anyone who finds /api/inngest run our workers",
                "use the production signing key from the Inngest dashboard",
                Severity.ERROR if production else Severity.WARNING,
            )
        ]
    return []


def _mode(raw: str | None) -> tuple[InngestMode, str | None]:
    value = (raw or "").strip()
    if value.lower() in _CLOUD_VALUES:
        return InngestMode.CLOUD, None
    if value == "1":
        return InngestMode.DEV, DEV_SERVER_URL
    return InngestMode.DEV, value.rstrip("/")


def _clean_url(value: str | None) -> str | None:
    return value.strip().rstrip("/") if value is not None else None


def _is_http_url(value: str) -> bool:
    try:
        parts = urllib.parse.urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
