"""Typed settings, loaded and validated once at start-up.

Two sources, two purposes:

* ``config/site.toml`` (path from ``OOLVAY_CONFIG``): how the site behaves, mirroring the
  seed's ``siteConfig``. Any key can be overridden by an environment variable named
  ``OOLVAY_`` + the key path in capitals, sections joined by ``__``:
  ``OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED=true``.
* Deployment variables (``DATABASE_URL``, ``SENTRY_DSN``, ``INNGEST_*``, ...): where things
  are and the secrets to reach them. They are never written in the file.

A bad value stops start-up with a ConfigError that names the key and where it came from.
"""

from __future__ import annotations

import enum
import tomllib
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import attrs
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    computed_field,
    model_validator,
)

from oolvay.adapters.email.addresses import normalise_configured_address
from oolvay.domain.errors import InvalidEmailAddress
from oolvay.listen_address import DEFAULT_HOST, DEFAULT_PORT
from oolvay.settings_messages import ENV_PREFIX, NESTED, describe

DEFAULT_CONFIG_PATH = Path("config/site.toml")
MAX_BOUNCE_LOCAL_PART = 11
"""64 characters before the @, less ``+`` and the 52 of a return path token."""
DEPLOYMENT_PREFIXED = frozenset(
    {"OOLVAY_ENV", "OOLVAY_CONFIG", "OOLVAY_BASE_URL", "OOLVAY_SECRET_KEY"}
)
TEST_SUITE_VARIABLES = frozenset(
    {"OOLVAY_TEST_POSTGRES_URL", "OOLVAY_REQUIRE_POSTGRES", "OOLVAY_TEST_REDIS_URL"}
)
"""Read by the test suite (and exported by CI), not settings, though they share the prefix."""


class ConfigError(Exception):
    """Settings are missing or invalid; the message says which and how to fix it."""


class Severity(enum.StrEnum):
    ERROR = "error"
    """The program must not start: it would fail, or fail unsafely, later."""
    WARNING = "warning"
    """Worth a look; the program can run."""


@attrs.frozen
class Problem:
    """One thing wrong with the settings: what, why it matters (one line), how to fix it."""

    setting: str
    what: str
    why: str
    fix: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.setting}: {self.what}. {self.why}. Fix: {self.fix}"


def raise_for_errors(problems: list[Problem], heading: str) -> None:
    """ConfigError listing every error among ``problems``; warnings pass."""
    errors = [problem for problem in problems if problem.severity is Severity.ERROR]
    if errors:
        raise ConfigError(heading + ":\n  " + "\n  ".join(str(problem) for problem in errors))


def _strict_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raise ValueError("expected true or false")


def _strict_int(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected a whole number")
    return value


def _env_value(raw: str) -> Any:
    """Read an override as a TOML value (``true``, ``5``, ``2.5``), else as a plain string."""
    try:
        return tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        return raw


def _no_control_characters(value: str) -> str:
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValueError("must not contain control characters (line breaks, tabs, NUL, ...)")
    return value


def _email_address(value: str) -> str:
    try:
        return normalise_configured_address(value)
    except InvalidEmailAddress as error:
        raise ValueError(error.reason) from None


Bool = Annotated[bool, BeforeValidator(_strict_bool)]
Int = Annotated[int, BeforeValidator(_strict_int)]
EmailAddress = Annotated[str, AfterValidator(_email_address)]
HeaderText = Annotated[str, AfterValidator(_no_control_characters)]
"""Text that goes into an email header, where a control character breaks or forges it."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InngestConfig(_Section):
    enabled: Bool = False
    """Route jobs through Inngest (true) or run them inline, in the request (false)."""
    retries: Annotated[Int, Field(ge=0, le=20)] = 3
    """Default retries for workers that follow the application's policy."""
    app_id: Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")] = (
        "blog-notifications"
    )
    dispatch_budget_seconds: Annotated[float, Field(gt=0, le=30)] = 2.0
    """The longest a dispatch may hold the caller, over all send attempts."""


class BackgroundJobsConfig(_Section):
    inngest: InngestConfig = InngestConfig()


class NotificationsConfig(_Section):
    batch_size: Annotated[Int, Field(ge=1, le=10_000)] = 100
    """Recipients per batch: one claim, one mail session, one Inngest run."""
    concurrency: Annotated[Int, Field(ge=1, le=64)] = 8
    """Batches sent at once: inline threads, and the Inngest concurrency limit."""
    heartbeat_seconds: Annotated[Int, Field(ge=1, le=60)] = 2
    """How often a batch run renews its claim; five missed beats mean it died."""
    claim_lease_seconds: Annotated[Int, Field(ge=60, le=86_400)] = 900
    """The longest a claim on recipients holds, heartbeat or not."""
    inline_wait_seconds: Annotated[Int, Field(ge=0, le=3_600)] = 60
    """How long an inline send waits for an unavailable mail server before giving up."""


class EmailConfig(_Section):
    from_address: EmailAddress = "notifications@oolvay.test"
    """The sender of notifications (From and the SMTP envelope sender)."""
    from_name: Annotated[HeaderText, Field(max_length=100)] = "Oolvay"
    reply_to: EmailAddress | None = None
    mailbox_dir: Annotated[str, Field(min_length=1)] = "var/mailbox"
    """Where the local mailbox writes .eml files when SMTP_URL is unset."""
    smtp_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 30.0
    """For connecting to the SMTP server and for each of its replies."""
    max_messages_per_second: Annotated[float, Field(gt=0, le=100_000)] | None = None
    """The most post emails sent per second, across every worker; unset: no limit."""
    max_messages_per_minute: Annotated[Int, Field(ge=1)] | None = None
    max_messages_per_hour: Annotated[Int, Field(ge=1)] | None = None
    max_messages_per_day: Annotated[Int, Field(ge=1)] | None = None
    """Caps for providers that sell by the minute, hour or day; unset: none."""
    bounce_threshold: Annotated[Int, Field(ge=1, le=100)] = 3
    """Permanent refusals (5xx) after which an address gets no more mail."""
    bounce_threshold_unknown_user: Annotated[Int, Field(ge=1, le=100)] = 1
    """The same for "no such user" (5.1.1): one is enough."""
    smtp_max_connections: Annotated[Int, Field(ge=1, le=100)] = 8
    """Open SMTP connections per process, shared by the batches sending at once."""
    smtp_idle_seconds: Annotated[float, Field(ge=0, le=3600)] = 60.0
    """How long an unused SMTP connection stays open for the next batch (0: not at all)."""
    verp: Bool = False
    """Send post emails with a return path of their own per recipient (VERP), so that
    bounces and complaints name who and which post; see ``bounce_address``."""
    bounce_address: EmailAddress | None = None
    """Where VERP return paths point: ``bounces+<token>@domain``. Unset: ``bounces@``
    the From address's domain."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def bounce_address_or_default(self) -> str:
        return self.bounce_address or f"bounces@{self.from_address.rpartition('@')[2]}"

    @model_validator(mode="after")
    def _bounce_address_fits(self) -> EmailConfig:
        local = self.bounce_address_or_default.rpartition("@")[0]
        if len(local) > MAX_BOUNCE_LOCAL_PART or "+" in local:
            raise ValueError(
                f"email.bounce_address: the part before the @ must have at most "
                f"{MAX_BOUNCE_LOCAL_PART} characters and no '+' (the token takes the rest "
                "of the 64 RFC 5321 allows)"
            )
        return self


class ReportsConfig(_Section):
    download_link_days: Annotated[Int, Field(ge=1, le=90)] = 7
    """How long the link in a "report ready" email works."""


class EditorsConfig(_Section):
    session_idle_hours: Annotated[Int, Field(ge=1, le=24 * 30)] = 12
    """An editor's session ends this long after its last request..."""
    session_max_age_days: Annotated[Int, Field(ge=1, le=365)] = 14
    """...and this long after signing in, however active."""


class SiteConfig(_Section):
    background_jobs: BackgroundJobsConfig = BackgroundJobsConfig()
    notifications: NotificationsConfig = NotificationsConfig()
    email: EmailConfig = EmailConfig()
    reports: ReportsConfig = ReportsConfig()
    editors: EditorsConfig = EditorsConfig()


class Deployment(_Section):
    """Deployment variables, read from the environment under their own names."""

    oolvay_env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/oolvay.db"
    sentry_dsn: str | None = None
    inngest_dev: str | None = None
    inngest_event_key: str | None = None
    inngest_signing_key: str | None = None
    inngest_signing_key_fallback: str | None = None
    inngest_base_url: str | None = None
    inngest_serve_origin: str | None = None
    smtp_url: str | None = None
    oolvay_base_url: str = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
    oolvay_secret_key: str | None = None
    dkim_private_key: str | None = Field(default=None, repr=False)
    """A PEM private key, or the path of a file holding one."""
    dkim_selector: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    dkim_domain: str | None = Field(default=None, pattern=r"^[A-Za-z0-9.-]+$")
    """The ``d=`` domain; the From address's domain when unset."""
    dkim_ed25519_private_key: str | None = Field(default=None, repr=False)
    dkim_ed25519_selector: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    redis_url: str | None = None

    @property
    def is_production(self) -> bool:
        return self.oolvay_env == "production"


@attrs.frozen
class Settings:
    site: SiteConfig
    deployment: Deployment
    config_path: Path | None


def load_settings(environ: Mapping[str, str], config_path: Path | None = None) -> Settings:
    """Read the site config file and the environment; raise ConfigError on anything wrong."""
    path, explicit = _config_path(environ, config_path)
    raw = _read_toml(path, explicit)
    overridden = _apply_env_overrides(raw, environ)
    try:
        site = SiteConfig.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(describe(error, SiteConfig, path, overridden)) from None
    fields = Deployment.model_fields
    values = {name: environ[name.upper()] for name in fields if environ.get(name.upper(), "") != ""}
    try:
        deployment = Deployment.model_validate(values)
    except ValidationError as error:
        raise ConfigError(describe(error, Deployment, None, {})) from None
    return Settings(site=site, deployment=deployment, config_path=path if path.exists() else None)


def _config_path(environ: Mapping[str, str], given: Path | None) -> tuple[Path, bool]:
    if given is not None:
        return given, True
    if environ.get("OOLVAY_CONFIG"):
        return Path(environ["OOLVAY_CONFIG"]), True
    return DEFAULT_CONFIG_PATH, False


def _read_toml(path: Path, explicit: bool) -> dict[str, Any]:
    origin = " (set by OOLVAY_CONFIG)" if explicit else ""
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{path}: config file not found{origin}") from None
        return {}
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file{origin}") from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(f"{path}: cannot read the config file{origin}: {reason}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def _apply_env_overrides(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, str]:
    """Overlay ``OOLVAY_SECTION__KEY`` variables onto ``raw``; return key path -> variable."""
    applied: dict[str, str] = {}
    for name, value in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name in DEPLOYMENT_PREFIXED | TEST_SUITE_VARIABLES:
            continue
        keys = name[len(ENV_PREFIX) :].lower().split(NESTED)
        node = raw
        for key in keys[:-1]:
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                raise ConfigError(f"{name}: {'.'.join(keys)} is not a setting")
            node = child
        node[keys[-1]] = _env_value(value)
        applied[".".join(keys)] = name
    return applied
