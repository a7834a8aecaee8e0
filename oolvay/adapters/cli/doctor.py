"""``oolvay doctor``: check the settings, the workers, the mail and the database."""

from __future__ import annotations

import os

import typer

from oolvay import doctor as checks
from oolvay.adapters.cli.context import ExitCode


def doctor() -> None:
    """Check what commonly goes wrong (INNGEST_DEV in production, missing or test keys, a
    worker not served, the dev server down, the database not migrated, SMTP missing in
    production). Exit 0 when there is no error; warnings do not fail."""
    findings = checks.examine(os.environ)
    typer.echo(checks.render(findings))
    if checks.errors(findings):
        raise typer.Exit(int(ExitCode.FAILURE))
