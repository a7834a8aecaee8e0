"""``oolvay db ...``: apply migrations and check the database."""

from __future__ import annotations

import typer

from oolvay.adapters.cli.context import container_for, fail, require_database
from oolvay.adapters.cli.help import App

app = App(help="The database: apply migrations, check it is ready.")


@app.command()
def upgrade(ctx: typer.Context) -> None:
    """Apply the migrations not applied yet to DATABASE_URL."""
    problem = container_for(ctx).upgrade_database()
    if problem is not None:
        fail(problem)
    typer.echo("Database schema is at the latest migration.")


@app.command()
def check(ctx: typer.Context) -> None:
    """Check that DATABASE_URL answers and is migrated.

    Exit 0 when it is reachable and every migration is applied, 1 otherwise."""
    require_database(container_for(ctx))
    typer.echo("Database is reachable and its schema is at the latest migration.")
