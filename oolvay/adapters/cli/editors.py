"""``oolvay editors ...``: editors and their API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail
from oolvay.domain.errors import InvalidInput, NotFound

app = typer.Typer(help="Editors and their API tokens.", no_args_is_help=True)


@app.command("create")
def create(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The editor's email address.")],
    label: Annotated[str, typer.Option("--token-name", help="A label for the token.")] = "cli",
) -> None:
    """Create an editor (or promote an existing user) and print a new API token."""
    try:
        user, issued = container_for(ctx).create_editor()(email, token_name=label)
    except InvalidInput as error:
        fail(str(error), ExitCode.USAGE)
    typer.echo(f"editor: {user.email} ({user.id})", err=True)
    typer.echo("token (shown once; store it now):", err=True)
    typer.echo(issued.secret)


@app.command("set-password")
def set_password(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The editor's email address.")],
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set the password an editor signs in to /editor with (asked twice, not echoed). Their
    sessions signed in with the old one end."""
    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        ended = container_for(ctx).set_editor_password()(email, password)
    except InvalidInput as error:
        fail(str(error), ExitCode.USAGE)
    except NotFound as error:
        fail(f"{error}; create one with `oolvay editors create EMAIL`", ExitCode.NOT_FOUND)
    typer.echo(f"password set for {email.strip()}; {ended} signed-in sessions ended")
