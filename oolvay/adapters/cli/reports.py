"""``oolvay reports ...``: delivery reports from the command line."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail, find_editor
from oolvay.adapters.cli.help import App
from oolvay.domain.errors import Conflict, NotFound

app = App(help="Delivery reports (a CSV of a post's deliveries).")


@app.command("request")
def request(
    ctx: typer.Context,
    post_id: Annotated[uuid.UUID, typer.Argument(metavar="POST_ID", help="The post's id.")],
    editor: Annotated[
        str, typer.Option(metavar="EMAIL", help="The editor's email: who is told when ready.")
    ],
) -> None:
    """Ask for a post's delivery report, through the configured queue."""
    from oolvay.domain.ids import PostId

    services = container_for(ctx)
    requester = find_editor(services, editor)
    try:
        report, dispatch = services.request_report()(PostId(post_id), requested_by=requester.id)
    except NotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    typer.echo(f"report {report.id}: {report.status} ({dispatch.queue} {dispatch.status})")


@app.command("download")
def download(
    ctx: typer.Context,
    report_id: Annotated[uuid.UUID, typer.Argument(metavar="REPORT_ID", help="The report's id.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write here instead of stdout."),
    ] = None,
) -> None:
    """Print (or write) a ready report's CSV."""
    from oolvay.domain.reports import ReportId

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
