"""``oolvay editors ...``: editors and their first API token."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail
from oolvay.adapters.cli.help import App
from oolvay.domain.errors import InvalidInput, NotFound

app = App(help="Editors: make one (with an API token), list them.")


@app.command("create")
def create(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="The editor's email address.")],
    label: Annotated[
        str, typer.Option("--token-name", metavar="NAME", help="A label for the token.")
    ] = "cli",
) -> None:
    """Make an editor and print a new API token.

    An existing user (a subscriber) is made an editor; a new one is registered."""
    try:
        user, issued = container_for(ctx).create_editor()(email, token_name=label)
    except InvalidInput as error:
        fail(str(error), ExitCode.USAGE)
    typer.echo(f"editor: {user.email} ({user.id})", err=True)
    typer.echo(f"token {issued.token.id} (revoke it with: oolvay tokens revoke ID)", err=True)
    typer.echo("its secret, shown once (store it now):", err=True)
    typer.echo(issued.secret)


@app.command("list")
def list_editors(ctx: typer.Context) -> None:
    """Every editor, by email, with how many of their tokens work."""
    editors = container_for(ctx).list_editors()()
    for editor, tokens in editors:
        active = sum(1 for token in tokens if token.is_active)
        typer.echo(f"{editor.email}  {editor.id}  tokens: {active} active, {len(tokens)} in all")
    if not editors:
        typer.echo("No editors yet (make one: oolvay editors create EMAIL).", err=True)


@app.command("set-password")
def set_password(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(metavar="EMAIL", help="The editor's email address.")],
    stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set the password an editor signs in to /editor with.

    It is asked twice and not echoed. The sessions signed in with the old one end."""
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
