"""What every command shares: building the container, and turning errors into exit codes.

The composition root (and with it SQLAlchemy, FastAPI, ...) is imported when a command first
needs the container, never when the command line starts: ``--help`` and ``--version`` do
not pay for what they do not use."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING, NoReturn, cast

import typer

if TYPE_CHECKING:
    from oolvay.composition_root import Container
    from oolvay.domain.users import User


class ExitCode(enum.IntEnum):
    OK = 0
    FAILURE = 1
    """The command ran and found something wrong (a check failed, a retry failed)."""
    USAGE = 2
    """Bad settings or arguments."""
    NOT_FOUND = 3
    ADDRESS_UNAVAILABLE = 4
    """``serve`` cannot listen where it was asked to (the port is taken)."""
    INTERRUPTED = 130


def fail(message: str, code: ExitCode = ExitCode.FAILURE) -> NoReturn:
    typer.echo(f"oolvay: {message}", err=True)
    raise typer.Exit(int(code))


def container(environ: Mapping[str, str] | None = None) -> Container:
    """The application's container, or exit 2 with the settings problem."""
    from oolvay.composition_root import bootstrap
    from oolvay.settings import ConfigError

    try:
        return bootstrap(environ)
    except ConfigError as error:
        fail(str(error), ExitCode.USAGE)


def given_container(ctx: typer.Context) -> Container | None:
    """The container a caller handed in (``ctx.obj``, as tests do), if any.

    Click may have put a dict there for its own use (printing help does), which is not one."""
    given: object = ctx.obj
    return None if given is None or isinstance(given, dict) else cast("Container", given)


def container_for(ctx: typer.Context, environ: Mapping[str, str] | None = None) -> Container:
    """The container a caller handed in, else the application's."""
    given = given_container(ctx)
    return given if given is not None else container(environ)


def require_database(app: Container) -> None:
    """Exit 1 unless DATABASE_URL parses, answers and has every migration applied."""
    problem = app.database_problem()
    if problem is not None:
        fail(problem)


def find_editor(services: Container, email: str) -> User:
    """The editor with this email; exit 2 for a malformed address, 3 for no such editor."""
    from oolvay.domain.errors import InvalidEmailAddress
    from oolvay.domain.users import parse_email_address

    try:
        address = parse_email_address(email)
    except InvalidEmailAddress as error:
        fail(str(error), ExitCode.USAGE)
    uow = services.uow()
    with uow:
        user = uow.users.get_by_email(address)
    if user is None or not user.is_editor:
        fail(
            f"no editor with email {address} (make one: oolvay editors create EMAIL)",
            ExitCode.NOT_FOUND,
        )
    return user
