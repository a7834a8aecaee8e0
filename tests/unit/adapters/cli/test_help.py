"""The command line's help reads like a person's: no type tags, no braces, no markup."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from oolvay.adapters.cli.app import app

runner = CliRunner()


def command_paths(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from command_paths(sub, (*path, name))


PATHS = list(command_paths(typer.main.get_command(app)))
assert len(PATHS) > 20, PATHS


def help_of(*path: str) -> str:
    result = runner.invoke(app, [*path, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "oolvay" for p in PATHS])
def test_no_help_shows_type_tags_braces_or_markup(path: tuple[str, ...]) -> None:
    text = help_of(*path)

    assert not re.search(r"<(bool|str|int|path|file|uuid)[^>]*>", text, re.IGNORECASE), text
    assert "{" not in text.split("\n")[0], text
    assert "``" not in text, text


def test_an_argument_is_named_in_capitals_in_the_usage_line() -> None:
    assert help_of("editors", "create").startswith("Usage: oolvay editors create [OPTIONS] EMAIL")
    assert help_of("posts", "publish").startswith("Usage: oolvay posts publish [OPTIONS] ID")
    assert "--port PORT" in help_of("serve")


def test_every_command_is_listed_with_a_whole_sentence_on_one_line() -> None:
    for path in PATHS:
        text = help_of(*path)
        if "Commands:" not in text:
            continue
        listing = text.split("Commands:\n")[1].split("\n\n")[0].splitlines()
        for line in listing:
            assert re.match(r"^  \S+\s+\S", line), f"a continued line in {path}: {line!r}"
            assert not line.endswith("..."), f"cut short in {path}: {line!r}"


def test_the_doctor_describes_itself_in_one_sentence_not_wrapped_mid_way() -> None:
    [line] = [line for line in help_of().splitlines() if line.startswith("  doctor ")]

    assert line.split(maxsplit=1)[1] == "Say what is wrong with this setup and how to fix it."


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])

    assert (result.exit_code, result.output) == (0, f"oolvay {version('oolvay')}\n")


def test_the_exit_codes_are_in_the_help() -> None:
    text = " ".join(help_of().split())

    assert "0 done, 1 something was found wrong, 2 bad settings or arguments" in text
    assert "4 serve cannot listen there" in text
