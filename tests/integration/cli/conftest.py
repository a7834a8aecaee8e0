from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from dependency_injector import providers
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from oolvay.adapters.cli.app import app
from oolvay.composition_root import Container, build_container
from oolvay.settings import load_settings
from tests.fakes import FakeMailer, FakeRenderer
from tests.integration.http.editor_support import quick_argon2


@attrs.define
class Cli:
    container: Container
    mailer: FakeMailer
    invoke: Callable[..., Result]


@pytest.fixture
def cli(engine: Engine, tmp_path: Path) -> Cli:
    """``oolvay`` as a user runs it, on a real database; the mailer is a fake to read."""
    container = build_container(load_settings({}))
    mailer = FakeMailer()
    container.db_engine.override(providers.Object(engine))
    container.mailer.override(providers.Object(mailer))
    container.notification_renderer.override(providers.Object(FakeRenderer()))
    container.dev_secret_key_file.override(providers.Object(tmp_path / "secret_key"))
    container.password_hasher.override(providers.Object(quick_argon2()))
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), obj=container, input=input)

    return Cli(container=container, mailer=mailer, invoke=invoke)
