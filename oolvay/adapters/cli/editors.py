"""``oolvay editors ...``: editors and their API tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail
from oolvay.domain.errors import InvalidInput

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
