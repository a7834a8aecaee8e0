"""``oolvay dispatches``: list the jobs a queue did not accept, and send them again."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail
from oolvay.adapters.cli.help import App

app = App(
    help="Jobs the queue did not accept: list and re-send them.\n\n"
    "A job is recorded when Inngest was unreachable or refused its event."
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
    """Re-send failed dispatches.

    Each goes with its original event id, so Inngest drops a duplicate. The events are sent
    from here: set the Inngest variables as where the service runs."""
    from oolvay.adapters.inngest.environment import sending_problem

    if (failure_id is None) == (not all_):
        fail("give the ID of one failed dispatch, or --all", ExitCode.USAGE)
    wanted = None
    if failure_id is not None:
        try:
            wanted = uuid.UUID(failure_id)
        except ValueError:
            fail(f"{failure_id!r} is not a failed dispatch ID (a UUID)", ExitCode.USAGE)
    services = container_for(ctx)
    problem = sending_problem(services.inngest_environment())
    if problem is not None:
        fail(f"cannot send events to Inngest from here: {problem}", ExitCode.USAGE)
    redispatcher = services.failed_dispatches()
    if wanted is not None:
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
