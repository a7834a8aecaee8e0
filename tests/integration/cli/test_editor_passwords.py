"""``oolvay editors set-password`` and the demo editor's password."""

from __future__ import annotations

import pytest

from oolvay.adapters.cli.serve import demo_instructions
from oolvay.domain.credentials import InvalidCredentials
from tests.integration.cli.conftest import Cli

PASSWORD = "a long enough password"


def sign_in(cli: Cli, email: str, password: str) -> str:
    return cli.container.sign_in()(email, password, client="test").user.email


def test_set_password_reads_stdin_and_the_editor_can_sign_in(cli: Cli) -> None:
    cli.invoke("editors", "create", "ed@example.com")

    result = cli.invoke(
        "editors", "set-password", "ed@example.com", "--stdin", input=PASSWORD + "\n"
    )

    assert result.exit_code == 0, result.output
    assert "password set for ed@example.com" in result.output
    assert sign_in(cli, "ed@example.com", PASSWORD) == "ed@example.com"


def test_set_password_asks_twice_without_echo(cli: Cli) -> None:
    cli.invoke("editors", "create", "ed@example.com")

    result = cli.invoke(
        "editors", "set-password", "ed@example.com", input=f"{PASSWORD}\n{PASSWORD}\n"
    )

    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert sign_in(cli, "ed@example.com", PASSWORD) == "ed@example.com"


def test_a_short_password_is_a_usage_error(cli: Cli) -> None:
    cli.invoke("editors", "create", "ed@example.com")

    result = cli.invoke("editors", "set-password", "ed@example.com", "--stdin", input="short\n")

    assert result.exit_code == 2
    assert "at least 10 characters" in result.output


def test_an_unknown_editor_is_not_found(cli: Cli) -> None:
    result = cli.invoke("editors", "set-password", "who@example.com", "--stdin", input=PASSWORD)

    assert result.exit_code == 3
    assert "no editor with email who@example.com" in result.output
    assert "oolvay editors create" in result.output


def test_the_demo_prints_a_password_that_signs_in_and_changes_at_each_start(cli: Cli) -> None:
    first = demo_instructions(cli.container, "http://127.0.0.1:8000")
    second = demo_instructions(cli.container, "http://127.0.0.1:8000")

    def password(text: str) -> str:
        return text.split("password:")[1].split()[0]

    assert "Editors sign in at http://127.0.0.1:8000/editor" in second
    assert sign_in(cli, "editor@example.com", password(second)) == "editor@example.com"
    with pytest.raises(InvalidCredentials):
        sign_in(cli, "editor@example.com", password(first))
