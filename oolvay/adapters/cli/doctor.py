"""``oolvay doctor``: check the settings, the workers, the mail and the database."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode
from oolvay.listen_address import DEFAULT_HOST, DEFAULT_PORT, listening_at


def doctor(
    host: Annotated[str, typer.Option(help="Where serve listens (for the links' check).")] = (
        DEFAULT_HOST
    ),
    port: Annotated[
        int, typer.Option(help="Where serve listens (for the links' check).", min=1, max=65535)
    ] = DEFAULT_PORT,
) -> None:
    """Say what is wrong with this setup and how to fix it.

    The checks: INNGEST_DEV in production, missing or test keys, a worker not served, the
    dev server down, email settings (SMTP missing in production), OOLVAY_BASE_URL not where
    serve listens, SENTRY_DSN, the database unreachable or not migrated. Exit 1 when there
    is an error; warnings do not fail."""
    from oolvay import doctor as checks

    environ = listening_at(os.environ, host, port)
    findings = checks.examine(environ, listen=(host, port))
    typer.echo(checks.render(findings))
    if checks.errors(findings):
        raise typer.Exit(int(ExitCode.FAILURE))
