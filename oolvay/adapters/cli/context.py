"""What every command shares: building the container, and turning errors into exit codes."""

from __future__ import annotations

import enum
from typing import NoReturn

import typer

from oolvay.composition_root import Container, bootstrap
from oolvay.settings import ConfigError


class ExitCode(enum.IntEnum):
    OK = 0
    FAILURE = 1
    """The command ran and found something wrong (a check failed, a retry failed)."""
    USAGE = 2
    """Bad settings or arguments."""
    NOT_FOUND = 3
    INTERRUPTED = 130


def fail(message: str, code: ExitCode = ExitCode.FAILURE) -> NoReturn:
    typer.echo(f"oolvay: {message}", err=True)
    raise typer.Exit(int(code))


def container() -> Container:
    """The application's container, or exit 2 with the settings problem."""
    try:
        return bootstrap()
    except ConfigError as error:
        fail(str(error), ExitCode.USAGE)


def container_for(ctx: typer.Context) -> Container:
    """The container a caller handed in (``ctx.obj``, as tests do), else the application's."""
    given: Container | None = ctx.obj
    return given if given is not None else container()


def require_database(app: Container) -> None:
    """Exit 1 unless DATABASE_URL parses, answers and has every migration applied."""
    problem = app.database_problem()
    if problem is not None:
        fail(problem)
