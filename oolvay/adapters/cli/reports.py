"""``oolvay reports ...``: delivery reports from the command line."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail
from oolvay.domain.errors import Conflict, NotFound
from oolvay.domain.ids import PostId
from oolvay.domain.reports import ReportId

app = typer.Typer(help="Delivery reports (CSV of a post's deliveries).", no_args_is_help=True)


@app.command("request")
def request(
    ctx: typer.Context,
    post_id: Annotated[uuid.UUID, typer.Argument(help="The post's id.")],
    editor: Annotated[str, typer.Option(help="The editor's email: who is told when ready.")],
) -> None:
    """Ask for a post's delivery report, through the configured queue."""
    services = container_for(ctx)
    uow = services.uow()
    with uow:
        requester = uow.users.get_by_email(editor.strip())
    if requester is None or not requester.is_editor:
        fail(f"no editor with email {editor}", ExitCode.NOT_FOUND)
    try:
        report, dispatch = services.request_report()(PostId(post_id), requested_by=requester.id)
    except NotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    typer.echo(f"report {report.id}: {report.status} ({dispatch.queue} {dispatch.status})")


@app.command("download")
def download(
    ctx: typer.Context,
    report_id: Annotated[uuid.UUID, typer.Argument(help="The report's id.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Print (or write) a ready report's CSV."""
    try:
        _, content = container_for(ctx).download_report()(ReportId(report_id))
    except NotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    except Conflict as error:
        fail(str(error))
    if output is None:
        typer.echo(content, nl=False)
    else:
        output.write_text(content, encoding="utf-8")
        typer.echo(f"wrote {output}", err=True)
