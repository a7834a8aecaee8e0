"""Property-based: schemathesis generates requests from the app's own OpenAPI schema, as an
authenticated editor, on both databases. No generated input may cause a server error, and
every answer must be one the schema documents: its status, content type and shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from dependency_injector import providers
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import Engine

from oolvay.adapters.http.app import create_app
from oolvay.composition_root import build_container
from oolvay.settings import load_settings
from tests.builders import a_subscriber
from tests.fakes import FakeMailer

EXAMPLES_PER_OPERATION = 30

# The schema is read from the app at collection time; what the app talks to (database,
# mailer) is set per test by the fixture below, through the container's overrides.
CONTAINER = build_container(load_settings({}))
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(CONTAINER))


@pytest.fixture
def editor_token(engine: Engine, tmp_path: Path) -> Iterator[str]:
    overridden = (CONTAINER.db_engine, CONTAINER.mailer, CONTAINER.dev_secret_key_file)
    CONTAINER.reset_singletons()
    CONTAINER.db_engine.override(providers.Object(engine))
    CONTAINER.mailer.override(providers.Object(FakeMailer()))
    CONTAINER.dev_secret_key_file.override(providers.Object(tmp_path / "secret_key"))
    try:
        uow = CONTAINER.uow()
        with uow:
            for n in range(3):
                uow.users.add(a_subscriber(n))
            uow.commit()
        _, issued = CONTAINER.create_editor()("editor@example.com", token_name="fuzz")
        yield issued.secret
    finally:
        for provider in overridden:
            provider.reset_override()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_causes_a_server_error_or_an_undocumented_answer(
    case: schemathesis.Case[Any], editor_token: str
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {editor_token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
