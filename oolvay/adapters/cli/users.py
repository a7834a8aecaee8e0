"""``oolvay users ...``: subscribers in bulk."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail
from oolvay.adapters.subscriber_csv import addresses

app = typer.Typer(help="Users and subscribers.", no_args_is_help=True)

SHOWN_PROBLEMS = 20


@app.command("import")
def import_users(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="A CSV of email addresses."
        ),
    ],
    unverified: Annotated[
        bool, typer.Option(help="Import as unverified: they get nothing until they confirm.")
    ] = False,
    skip_invalid: Annotated[
        bool, typer.Option(help="Import the valid addresses even if some are not.")
    ] = False,
) -> None:
    """Import subscribers from a CSV: one address per row, in the first column or in a
    column headed ``email``. All or nothing: one invalid address imports none (exit 2)
    unless --skip-invalid. Known addresses are left as they are."""
    try:
        lines = list(_addresses(file))
    except (UnicodeDecodeError, csv.Error) as error:
        fail(f"{file}: not a readable UTF-8 CSV file ({error})", ExitCode.USAGE)
    result = container_for(ctx).import_subscribers()(
        lines, verified=not unverified, skip_invalid=skip_invalid
    )
    for problem in result.invalid[:SHOWN_PROBLEMS]:
        typer.echo(f"{file}:{problem.line}: {problem.value!r}: {problem.reason}", err=True)
    if len(result.invalid) > SHOWN_PROBLEMS:
        typer.echo(f"... and {len(result.invalid) - SHOWN_PROBLEMS} more", err=True)
    if result.invalid and not skip_invalid:
        fail(
            f"{len(result.invalid)} invalid addresses; nothing imported "
            "(fix them, or use --skip-invalid)",
            ExitCode.USAGE,
        )
    typer.echo(
        f"imported {result.imported}, already known {result.already_known}, "
        f"invalid {len(result.invalid)}"
    )


def _addresses(file: Path) -> Iterator[tuple[int, str]]:
    with file.open(newline="", encoding="utf-8-sig") as handle:
        yield from addresses(handle)
