"""``oolvay doctor``: one test per check, against a real database and real sockets."""

from __future__ import annotations

import socket
import threading
import types
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import inngest
import pytest
from typer.testing import CliRunner

from oolvay import doctor
from oolvay.adapters.cli.app import app
from oolvay.adapters.inngest.functions import WorkerEnv
from oolvay.adapters.sqlalchemy.engine import create_database_engine
from oolvay.adapters.sqlalchemy.schema import upgrade
from oolvay.doctor import Finding
from oolvay.settings import Severity
from tests.dkim_keys import rsa_pem

REPO_CONFIG = Path(__file__).parents[2] / "config" / "site.toml"
REAL_KEY = "signkey-prod-3f9a1c0be4d27e8856a0c3b9d1f47e2a6c5b8d0e9f1a2b3c4d5e6f708192a3b4"
TEST_KEY = "signkey-test-" + "5a" * 32
DKIM_KEY = rsa_pem(2048)
PRODUCTION = {
    "OOLVAY_ENV": "production",
    "SMTP_URL": "smtps://apikey:secret@smtp.example.com",
    "OOLVAY_SECRET_KEY": "k" * 40,
    "OOLVAY_EMAIL__FROM_ADDRESS": "news@oolvay.io",
    "OOLVAY_BASE_URL": "https://oolvay.io",
    "OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true",
    "INNGEST_EVENT_KEY": "event-key",
    "INNGEST_SIGNING_KEY": REAL_KEY,
    "DKIM_PRIVATE_KEY": DKIM_KEY,
    "DKIM_SELECTOR": "mail",
}


@pytest.fixture
def migrated_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'doctor.db'}"
    engine = create_database_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def examine(environ: dict[str, str], url: str) -> list[Finding]:
    return doctor.examine({"DATABASE_URL": url, **environ}, REPO_CONFIG)


def problems(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.check, f.severity) for f in findings if f.severity is not None]


@pytest.fixture
def answering_url() -> Iterator[str]:
    class Quiet(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_a_clean_production_setup_has_no_findings(migrated_url: str) -> None:
    findings = examine(PRODUCTION, migrated_url)

    assert problems(findings) == []
    assert {f.check for f in findings} >= {
        "settings",
        "inngest",
        "workers",
        "email",
        "sentry",
        "database",
    }


def test_the_dkim_key_is_checked_and_its_dns_record_printed(migrated_url: str) -> None:
    findings = examine(PRODUCTION, migrated_url)

    [dkim] = [f for f in findings if f.check == "dkim"]
    assert dkim.severity is None
    assert "rsa-sha256, 2048-bit key, d=oolvay.io s=mail" in dkim.what
    assert 'mail._domainkey.oolvay.io. IN TXT ( "v=DKIM1; k=rsa; p=MIIB' in doctor.render(findings)


def test_a_dkim_key_too_short_is_an_error(migrated_url: str) -> None:
    findings = examine({**PRODUCTION, "DKIM_PRIVATE_KEY": rsa_pem(768)}, migrated_url)

    assert problems(findings) == [("environment variable DKIM_PRIVATE_KEY", Severity.ERROR)]


def test_inngest_dev_in_production_is_an_error(migrated_url: str) -> None:
    findings = examine({**PRODUCTION, "INNGEST_DEV": "1"}, migrated_url)

    assert problems(findings) == [("INNGEST_DEV", Severity.ERROR)]


@pytest.mark.parametrize("missing", ["INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY"])
def test_a_missing_key_in_cloud_mode_is_an_error(migrated_url: str, missing: str) -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != missing}

    [finding] = [f for f in examine(environ, migrated_url) if f.severity]

    assert (finding.check, finding.severity) == (missing, Severity.ERROR)
    assert finding.why
    assert "Inngest dashboard" in finding.fix


def test_a_test_signing_key_is_an_error_in_production_and_a_warning_elsewhere(
    migrated_url: str,
) -> None:
    production = examine({**PRODUCTION, "INNGEST_SIGNING_KEY": TEST_KEY}, migrated_url)
    development = examine(
        {
            "OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true",
            "INNGEST_EVENT_KEY": "k",
            "INNGEST_SIGNING_KEY": TEST_KEY,
        },
        migrated_url,
    )

    assert problems(production) == [("INNGEST_SIGNING_KEY", Severity.ERROR)]
    assert problems(development) == [("INNGEST_SIGNING_KEY", Severity.WARNING)]


def test_the_dev_server_down_is_a_warning_with_the_command(
    migrated_url: str, closed_url: str
) -> None:
    findings = examine(
        {"INNGEST_DEV": closed_url, "OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true"},
        migrated_url,
    )

    [finding] = [f for f in findings if f.severity]
    assert finding.severity is Severity.WARNING
    assert closed_url in finding.what
    assert "npx inngest-cli@latest dev -u http://127.0.0.1:8000/api/inngest" in finding.fix


def test_a_dev_server_that_answers_is_fine(migrated_url: str, answering_url: str) -> None:
    findings = examine(
        {"INNGEST_DEV": answering_url, "OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true"},
        migrated_url,
    )

    assert problems(findings) == []


def test_an_unmigrated_database_is_an_error_naming_the_command(tmp_path: Path) -> None:
    findings = examine({}, f"sqlite:///{tmp_path / 'empty.db'}")

    [finding] = [f for f in findings if f.severity]
    assert finding.check == "database"
    assert "oolvay db upgrade" in finding.what


def test_an_unreachable_database_is_an_error(closed_url: str) -> None:
    port = closed_url.rsplit(":", 1)[1]
    findings = examine({}, f"postgresql://nobody@127.0.0.1:{port}/x")

    assert problems(findings) == [("database", Severity.ERROR)]


def test_smtp_missing_in_production_is_an_error(migrated_url: str) -> None:
    environ = {k: v for k, v in PRODUCTION.items() if k != "SMTP_URL"}

    assert problems(examine(environ, migrated_url)) == [
        ("environment variable SMTP_URL", Severity.ERROR)
    ]


def test_a_worker_not_served_is_an_error(migrated_url: str) -> None:
    module = types.ModuleType("functions_with_one_more")

    def billing_worker(env: WorkerEnv) -> inngest.Function[Any]:
        raise NotImplementedError

    billing_worker.__module__ = module.__name__
    module.billing_worker = billing_worker  # type: ignore[attr-defined]

    findings = doctor.examine({"DATABASE_URL": migrated_url}, REPO_CONFIG, worker_modules=(module,))

    [finding] = [f for f in findings if f.severity]
    assert finding.check == "workers"
    assert "billing_worker is defined" in finding.what
    assert "WORKERS" in finding.fix


def test_unreadable_settings_are_one_error_not_a_crash(migrated_url: str) -> None:
    findings = examine({"OOLVAY_BACKGROUND_JOBS__INNGEST__RETRIES": "99"}, migrated_url)

    assert problems(findings) == [("settings", Severity.ERROR)]


def test_the_command_exits_1_on_errors_and_0_on_warnings_only(
    migrated_url: str, closed_url: str
) -> None:
    runner = CliRunner()
    base = {"DATABASE_URL": migrated_url, "OOLVAY_CONFIG": str(REPO_CONFIG)}

    failing = runner.invoke(app, ["doctor"], env={**base, **PRODUCTION, "INNGEST_DEV": "1"})
    warning = runner.invoke(app, ["doctor"], env={**base, "INNGEST_DEV": closed_url})

    assert failing.exit_code == 1
    assert "error    INNGEST_DEV: set to '1' with OOLVAY_ENV=production" in failing.stdout
    assert warning.exit_code == 0, warning.output
    assert "0 errors, 1 warning." in warning.stdout


def test_serve_refuses_to_start_on_errors(migrated_url: str) -> None:
    result = CliRunner().invoke(
        app,
        ["serve"],
        env={"DATABASE_URL": migrated_url, **PRODUCTION, "INNGEST_DEV": "1"},
    )

    assert result.exit_code == 1
    assert "INNGEST_DEV: set to '1'" in result.output


def test_a_sentry_dsn_that_is_not_one_is_an_error(migrated_url: str) -> None:
    findings = examine({"SENTRY_DSN": "not a dsn"}, migrated_url)

    assert problems(findings) == [("environment variable SENTRY_DSN", Severity.ERROR)]


def test_a_config_path_naming_a_directory_is_a_finding_not_a_traceback(
    migrated_url: str, tmp_path: Path
) -> None:
    findings = doctor.examine({"DATABASE_URL": migrated_url, "OOLVAY_CONFIG": str(tmp_path)})

    [finding] = findings
    assert (finding.check, finding.severity) == ("settings", Severity.ERROR)
    assert "is a directory" in finding.what
