"""``oolvay dispatches``: list the jobs a queue did not accept, and send them again."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail

app = typer.Typer(
    help="Jobs the queue did not accept (Inngest unreachable, refused): list and re-send them.",
    no_args_is_help=True,
)


@app.command("list")
def list_failed(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Show at most this many.", min=1)] = 100,
) -> None:
    """Unresolved failed dispatches, oldest first."""
    failures = container_for(ctx).failed_dispatches().unresolved(limit=limit)
    if not failures:
        typer.echo("No failed dispatches.")
        return
    for failure in failures:
        subject = ", ".join(f"{key}={value}" for key, value in sorted(failure.context.items()))
        typer.echo(
            f"{failure.id}  {failure.failed_at.isoformat(timespec='seconds')}  "
            f"{failure.queue}/{failure.job_name}  attempts={failure.attempts}  {subject}\n"
            f"    {failure.error}"
        )


@app.command("retry")
def retry(
    ctx: typer.Context,
    failure_id: Annotated[
        str | None, typer.Argument(metavar="ID", help="The failed dispatch to re-send.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Re-send every unresolved one.")] = False,
    limit: Annotated[int, typer.Option(help="With --all: at most this many.", min=1)] = 100,
) -> None:
    """Re-send failed dispatches with their original event ids (Inngest drops duplicates)."""
    if (failure_id is None) == (not all_):
        fail("give the ID of one failed dispatch, or --all", ExitCode.USAGE)
    redispatcher = container_for(ctx).failed_dispatches()
    if failure_id is not None:
        try:
            wanted = uuid.UUID(failure_id)
        except ValueError:
            fail(f"{failure_id!r} is not a failed dispatch ID (a UUID)", ExitCode.USAGE)
        try:
            outcomes = [redispatcher.retry(wanted)]
        except LookupError as error:
            fail(str(error), ExitCode.NOT_FOUND)
    else:
        outcomes = redispatcher.retry_all(limit=limit)
    for outcome in outcomes:
        failure = outcome.failure
        if outcome.delivered:
            typer.echo(f"{failure.id}  re-sent")
        else:
            typer.echo(f"{failure.id}  failed again (attempt {failure.attempts}): {failure.error}")
    if not all(outcome.delivered for outcome in outcomes):
        raise typer.Exit(int(ExitCode.FAILURE))
    if not outcomes:
        typer.echo("No failed dispatches.")
