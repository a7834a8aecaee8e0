"""Help that reads like a person's: ``oolvay editors create [OPTIONS] EMAIL``.

Typer's own help tags every value with its Python type (``<bool>``, ``<str>``), braces a
required argument (``{email}``), keeps the docstrings' line breaks and imports Rich's
Markdown renderer to print it. Commands here print click's plain help instead: an argument
or an option's value is named in capitals, paragraphs are re-wrapped to the terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer import _click
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.models import CommandFunctionType


def _name_values(params: list[_click.Parameter]) -> None:
    for param in params:
        if param.metavar is not None or param.name is None:
            continue
        if isinstance(param, TyperOption) and (param.is_flag or param.count):
            continue
        if not isinstance(param, TyperArgument | TyperOption):
            continue
        described = param.type_descriptor
        if described.is_choice and described.choices:
            param.metavar = "[" + "|".join(str(choice) for choice in described.choices) + "]"
        else:
            param.metavar = param.name.upper()


def _format_params(command: _click.Command, ctx: _click.Context, formatter: Any) -> None:
    arguments, options = [], []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        if isinstance(param, TyperArgument):
            # The record's name carries the type tag; the help part (required, default) stays.
            arguments.append((param.metavar or "", record[1]))
        else:
            options.append(record)
    for heading, rows in (("Arguments", arguments), ("Options", options)):
        if rows:
            with formatter.section(heading):
                formatter.write_dl(rows)


class Command(TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _name_values(self.params)

    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar or ""
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: _click.Context, formatter: Any) -> None:
        _format_params(self, ctx, formatter)


class Group(TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _name_values(self.params)

    def format_options(self, ctx: _click.Context, formatter: Any) -> None:
        _format_params(self, ctx, formatter)
        self.format_commands(ctx, formatter)


class App(typer.Typer):
    """A ``typer.Typer`` whose groups and commands print plain help."""

    def __init__(self, *, help: str, **kwargs: Any) -> None:
        super().__init__(
            help=help,
            cls=Group,
            rich_markup_mode=None,
            no_args_is_help=True,
            add_completion=False,
            pretty_exceptions_enable=False,
            **kwargs,
        )

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        return super().command(name, cls=cls or Command, **kwargs)
