"""``oolvay serve``: a taken port changes nothing; the banner says what will happen; links
follow where the server listens."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from dependency_injector import providers

from oolvay import doctor
from oolvay.adapters.cli.serve import demo_instructions
from oolvay.composition_root import Container, build_container
from oolvay.listen_address import base_url_mismatch, listen_url, listening_at
from oolvay.settings import Severity, load_settings
from tests.integration.cli.conftest import Cli

REPO_CONFIG = Path(__file__).parents[3] / "config" / "site.toml"


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        yield other_server.getsockname()[1]


def test_a_taken_port_stops_serve_before_it_changes_anything(cli: Cli, taken_port: int) -> None:
    running = demo_instructions(cli.container, "http://127.0.0.1:8000")
    token = running.split("export TOKEN=")[1].split()[0]

    result = cli.invoke("serve", "--demo", "--port", str(taken_port))

    assert result.exit_code == 4
    assert f"127.0.0.1:{taken_port} is already in use" in result.output
    assert "nothing was changed" in result.output
    assert "export TOKEN" not in result.output
    assert cli.container.authenticate_editor()(token).is_editor


def inngest_container(tmp_path: Path, environ: dict[str, str], cli: Cli) -> Container:
    container = build_container(
        load_settings({"OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true", **environ})
    )
    container.db_engine.override(cli.container.db_engine)
    container.dev_secret_key_file.override(providers.Object(tmp_path / "secret_key"))
    return container


def test_the_banner_says_what_happens_when_no_inngest_dev_server_answers(
    cli: Cli, tmp_path: Path
) -> None:
    container = inngest_container(tmp_path, {"INNGEST_DEV": "1"}, cli)

    banner = demo_instructions(container, "http://127.0.0.1:8002", probe=lambda _url: False)

    assert "Then read the emails it sent" not in banner
    assert "No Inngest dev server answers at http://127.0.0.1:8288" in banner
    assert "recorded as a failed dispatch and no email goes out" in banner
    assert "npx inngest-cli@latest dev -u http://127.0.0.1:8002/api/inngest" in banner
    assert "dispatches retry --all" in banner


def test_the_banner_with_a_dev_server_says_the_worker_sends_the_emails(
    cli: Cli, tmp_path: Path
) -> None:
    container = inngest_container(tmp_path, {"INNGEST_DEV": "1"}, cli)

    banner = demo_instructions(container, "http://127.0.0.1:8000", probe=lambda _url: True)

    assert "the Inngest dev server at http://127.0.0.1:8288" in banner
    assert "Then read the emails it sent" not in banner


def test_the_inline_banner_points_at_the_mailbox(cli: Cli) -> None:
    assert "Then read the emails it sent: ls" in demo_instructions(cli.container, "http://x:1")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:8002"),
        ({"OOLVAY_BASE_URL": "https://blog.example.com"}, "https://blog.example.com"),
        ({"OOLVAY_ENV": "production"}, None),
    ],
)
def test_outside_production_an_unset_base_url_follows_the_listen_address(
    environ: dict[str, str], expected: str | None
) -> None:
    settled = listening_at(environ, "127.0.0.1", 8002)

    assert settled.get("OOLVAY_BASE_URL") == expected


def test_the_links_of_a_server_on_another_port_reach_it() -> None:
    settings = load_settings(listening_at({}, "0.0.0.0", 8002), REPO_CONFIG)

    assert settings.deployment.oolvay_base_url == "http://127.0.0.1:8002"
    assert listen_url("::", 8002) == "http://[::1]:8002"


@pytest.mark.parametrize(
    ("base_url", "host", "port", "warned"),
    [
        ("http://127.0.0.1:8000", "127.0.0.1", 8000, False),
        ("http://127.0.0.1:8000", "127.0.0.1", 8002, True),
        ("http://localhost:8000", "127.0.0.1", 8000, False),
        ("http://127.0.0.1:8000", "0.0.0.0", 8000, False),
        ("http://127.0.0.1:8000", "192.0.2.7", 8000, True),
        ("https://blog.example.com", "127.0.0.1", 8000, False),
    ],
)
def test_a_base_url_on_this_machine_but_elsewhere_is_a_warning(
    base_url: str, host: str, port: int, warned: bool
) -> None:
    problem = base_url_mismatch(base_url, host, port)

    assert (problem is not None) == warned
    if problem is not None:
        assert problem.severity is Severity.WARNING
        assert problem.setting == "environment variable OOLVAY_BASE_URL"


def test_doctor_warns_when_the_base_url_is_not_where_serve_listens(tmp_path: Path) -> None:
    environ = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "OOLVAY_BASE_URL": "http://127.0.0.1:8000",
    }

    findings = doctor.examine(environ, REPO_CONFIG, listen=("127.0.0.1", 8002))

    [warning] = [f for f in findings if f.severity is Severity.WARNING]
    assert warning.check == "environment variable OOLVAY_BASE_URL"
    assert "http://127.0.0.1:8002" in warning.what
