"""``oolvay doctor``: the checks for what the seed warns about, each finding saying what is
wrong, why it matters and how to fix it. ``serve`` runs them before it starts.

Like the composition root, this module knows the adapters: it asks each for its problems.
It never raises for a bad setting: a doctor that cannot start is no help."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

import attrs
from sqlalchemy.engine import Engine

from oolvay.adapters.email.dkim import dkim_setup
from oolvay.adapters.inngest.environment import inngest_environment, inngest_problems
from oolvay.adapters.inngest.registry import WORKER_MODULES, WORKERS, unserved_workers
from oolvay.adapters.sentry.reporter import sentry_problems
from oolvay.adapters.sqlalchemy.engine import create_database_engine
from oolvay.adapters.sqlalchemy.schema import database_problem
from oolvay.composition_root import email_problems, mail_backend
from oolvay.listen_address import base_url_mismatch
from oolvay.settings import ConfigError, Problem, Settings, Severity, load_settings

Probe = Callable[[str], bool]
"""Whether anything answers HTTP at this URL."""


@attrs.frozen
class Finding:
    check: str
    what: str
    why: str = ""
    fix: str = ""
    severity: Severity | None = None
    """None: the check passed."""

    @classmethod
    def of(cls, problem: Problem) -> Finding:
        return cls(problem.setting, problem.what, problem.why, problem.fix, problem.severity)

    @classmethod
    def ok(cls, check: str, what: str) -> Finding:
        return cls(check, what)


def http_answers(url: str) -> bool:
    """Any HTTP answer counts (even 404): something listens there."""
    try:
        with urllib.request.urlopen(url, timeout=1.0):  # noqa: S310 - a configured http(s) URL
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError, ValueError):
        return False


def examine(
    environ: Mapping[str, str],
    config_path: Path | None = None,
    *,
    probe: Probe = http_answers,
    worker_modules: tuple[ModuleType, ...] = WORKER_MODULES,
    listen: tuple[str, int] | None = None,
) -> list[Finding]:
    """Every finding; ``listen`` is where the server listens (or would), as host and port."""
    try:
        settings = load_settings(environ, config_path)
    except ConfigError as error:
        return [
            Finding(
                "settings",
                str(error),
                "nothing can start with settings it cannot read",
                "correct the value named above",
                Severity.ERROR,
            )
        ]
    where = str(settings.config_path) if settings.config_path else "built-in defaults"
    return [
        Finding.ok("settings", f"{where}; OOLVAY_ENV={settings.deployment.oolvay_env}"),
        *_inngest(settings, probe),
        *_workers(worker_modules),
        *_email(settings),
        *_links(settings, listen),
        *_sentry(settings),
        *_database(settings),
    ]


def _inngest(settings: Settings, probe: Probe) -> list[Finding]:
    enabled = settings.site.background_jobs.inngest.enabled
    problems = inngest_problems(settings.deployment, enabled=enabled)
    findings = [Finding.of(problem) for problem in problems]
    if any(problem.severity is Severity.ERROR for problem in problems):
        return findings
    environment = inngest_environment(settings.deployment, enabled=enabled)
    route = "jobs go through Inngest" if enabled else "jobs run inline, in the request"
    findings.append(Finding.ok("inngest", f"{environment.mode} mode; {route}"))
    if not environment.is_cloud and not probe(environment.api_base_url):
        findings.append(
            Finding(
                "INNGEST_DEV",
                f"no Inngest dev server answers at {environment.api_base_url}",
                "events sent now go nowhere and no worker runs"
                if enabled
                else "nothing uses it while jobs run inline",
                "start it: npx inngest-cli@latest dev -u "
                f"{settings.deployment.oolvay_base_url.rstrip('/')}/api/inngest",
                Severity.WARNING,
            )
        )
    return findings


def _workers(modules: tuple[ModuleType, ...]) -> list[Finding]:
    missing = unserved_workers(modules)
    if not missing:
        names = ", ".join(registration.worker.__name__ for registration in WORKERS)
        return [Finding.ok("workers", f"every worker is served: {names}")]
    return [
        Finding(
            "workers",
            f"{name} is defined in {', '.join(m.__name__ for m in modules)} but not served",
            "a worker missing from serve() never runs, however many events are sent to it",
            "add it to WORKERS in adapters/inngest/registry.py",
            Severity.ERROR,
        )
        for name in missing
    ]


def _email(settings: Settings) -> list[Finding]:
    problems = email_problems(settings)
    if problems:
        return [Finding.of(problem) for problem in problems]
    backend = mail_backend(settings.deployment.smtp_url)
    mailbox = settings.site.email.mailbox_dir
    detail = "the SMTP server in SMTP_URL" if backend == "smtp" else f"the local mailbox {mailbox}"
    return [Finding.ok("email", f"mail goes to {detail}"), *_dkim(settings)]


def _dkim(settings: Settings) -> list[Finding]:
    signer = dkim_setup(settings.deployment, settings.site.email.from_address).signer
    if signer is None:
        return []
    return [
        Finding.ok(
            "dkim",
            f"{key.algorithm}{f', {key.bits}-bit key' if key.bits else ''}, d={key.domain} "
            f"s={key.selector}; publish this DNS record:\n           {key.zone_line()}",
        )
        for key in signer.keys
    ]


def _links(settings: Settings, listen: tuple[str, int] | None) -> list[Finding]:
    problem = base_url_mismatch(settings.deployment.oolvay_base_url, *listen) if listen else None
    return [Finding.of(problem)] if problem is not None else []


def _sentry(settings: Settings) -> list[Finding]:
    problems = sentry_problems(settings.deployment.sentry_dsn)
    if problems:
        return [Finding.of(problem) for problem in problems]
    configured = "errors go to Sentry" if settings.deployment.sentry_dsn else "SENTRY_DSN unset"
    return [Finding.ok("sentry", configured)]


def _database(settings: Settings) -> list[Finding]:
    url = settings.deployment.database_url
    engines: list[Engine] = []

    def engine() -> Engine:
        engines.append(create_database_engine(url))
        return engines[-1]

    try:
        problem = database_problem(engine)
    finally:
        for made in engines:
            made.dispose()
    if problem is None:
        return [Finding.ok("database", "reachable, at the latest migration")]
    return [
        Finding(
            "database",
            problem,
            "every request and every job reads and writes the database",
            "start the database or correct DATABASE_URL; `oolvay db upgrade` applies migrations",
            Severity.ERROR,
        )
    ]


def errors(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity is Severity.ERROR]


def render(findings: list[Finding], *, verbose: bool = True) -> str:
    """One block per finding; passed checks only when ``verbose``."""
    lines = []
    for finding in findings:
        if finding.severity is None:
            if verbose:
                lines.append(f"  ok       {finding.check}: {finding.what}")
            continue
        lines.append(f"  {finding.severity:<8} {finding.check}: {finding.what}")
        if finding.why:
            lines.append(f"           why: {finding.why}")
        if finding.fix:
            lines.append(f"           fix: {finding.fix}")
    failed = len(errors(findings))
    warned = sum(1 for finding in findings if finding.severity is Severity.WARNING)
    lines.append(f"{failed} error{'s' * (failed != 1)}, {warned} warning{'s' * (warned != 1)}.")
    return "\n".join(lines)
