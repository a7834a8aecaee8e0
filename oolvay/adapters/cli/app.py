"""The ``oolvay`` command. Each command group lives in its own module and is added here.

Nothing heavy is imported here or by the command modules at import time (see
``context.py``): ``oolvay --help`` costs about what typer itself does."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from oolvay.adapters.cli import (
    bounces,
    db,
    dispatches,
    doctor,
    editors,
    notifications,
    posts,
    reports,
    serve,
    tokens,
    users,
)
from oolvay.adapters.cli.context import ExitCode
from oolvay.adapters.cli.help import App

app = App(
    name="oolvay",
    help="Oolvay background jobs: publish posts, email subscribers, inline or through Inngest.",
    epilog="Settings come from config/site.toml and the environment (see the README). "
    "Exit codes: 0 done, 1 something was found wrong, 2 bad settings or arguments, "
    "3 not found, 4 serve cannot listen there (the port is taken).",
)


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        typer.echo(f"oolvay {version('oolvay')}")
        raise typer.Exit()


@app.callback()
def root(
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Oolvay background jobs: publish posts, email subscribers, inline or through Inngest."""


app.command("serve")(serve.serve)
app.command("doctor")(doctor.doctor)
app.add_typer(db.app, name="db")
app.add_typer(editors.app, name="editors")
app.add_typer(tokens.app, name="tokens")
app.add_typer(posts.app, name="posts")
app.add_typer(notifications.app, name="notifications")
app.add_typer(dispatches.app, name="dispatches")
app.add_typer(users.app, name="users")
app.add_typer(reports.app, name="reports")
app.add_typer(bounces.app, name="bounces")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as error:
        # Commands do not check the schema before they start (Alembic would cost each one
        # a tenth of a second); a database that is not ready is explained here instead.
        from oolvay.composition_root import database_failure

        problem = database_failure(error)
        if problem is None:
            raise
        typer.echo(f"oolvay: {problem}", err=True)
        sys.exit(ExitCode.FAILURE)
