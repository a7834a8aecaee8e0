"""The ``oolvay`` command. Each command group lives in its own module and is added here."""

from __future__ import annotations

import sys

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
    users,
)
from oolvay.adapters.cli.context import ExitCode

app = typer.Typer(
    name="oolvay",
    help="Oolvay background jobs: publish posts, email subscribers, inline or through Inngest.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root() -> None:
    """Settings come from config/site.toml and the environment (see the README)."""


app.command("serve")(serve.serve)
app.command("doctor")(doctor.doctor)
app.add_typer(db.app, name="db")
app.add_typer(editors.app, name="editors")
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
