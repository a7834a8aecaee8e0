"""``oolvay notifications ...``: run a post's email send here, with progress."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail
from oolvay.adapters.cli.help import App
from oolvay.domain.errors import Conflict, NotFound
from oolvay.domain.ids import PostId

if TYPE_CHECKING:
    from oolvay.application.send_post_notifications import BatchReport

app = App(help="Post notifications.")


@app.command("send")
def send(
    ctx: typer.Context,
    post_id: Annotated[uuid.UUID, typer.Argument(metavar="POST_ID", help="A published post's id.")],
) -> None:
    """Send a published post here, with a progress bar.

    It goes to whoever should have it and has not got it yet, inline, whatever queue is
    configured. Safe to repeat: nobody is emailed twice."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from oolvay.application.send_post_notifications import new_claimant

    c = container_for(ctx)
    handler = c.send_post_notifications()
    audience = c.audience_size()(PostId(post_id))
    columns = (
        TextColumn("sending"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failed {task.fields[failed]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("send", total=audience, failed=0)
        failed = 0

        def on_batch(batch: BatchReport) -> None:
            nonlocal failed
            failed += batch.failed
            progress.update(task, advance=batch.sent + batch.failed + batch.busy, failed=failed)

        try:
            counts = handler.run(PostId(post_id), claimant=new_claimant("cli"), on_batch=on_batch)
        except NotFound as error:
            fail(str(error), ExitCode.NOT_FOUND)
        except Conflict as error:
            fail(str(error), ExitCode.FAILURE)
    typer.echo(
        f"sent {counts.sent}, skipped {counts.skipped}, failed {counts.failed}"
        f" ({counts.retriable} worth retrying)"
    )
    if counts.failed:
        raise typer.Exit(int(ExitCode.FAILURE))
