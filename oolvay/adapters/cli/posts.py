"""``oolvay posts ...``: publishing from the command line."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail
from oolvay.application.dispatch import DispatchStatus
from oolvay.domain.errors import Conflict, InvalidInput, NotFound
from oolvay.domain.ids import PostId

app = typer.Typer(help="Posts.", no_args_is_help=True)


@app.command("publish")
def publish(
    ctx: typer.Context, post_id: Annotated[uuid.UUID, typer.Argument(help="The post's id.")]
) -> None:
    """Publish a draft and notify its subscribers, through the configured queue."""
    c = container_for(ctx)
    try:
        result = c.publish_post()(PostId(post_id))
    except NotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    except (Conflict, InvalidInput) as error:
        fail(str(error), ExitCode.FAILURE)
    typer.echo(f"published: {result.post.title!r} at {result.post.published_at:%Y-%m-%d %H:%M} UTC")
    dispatch = result.dispatch
    if dispatch is None:
        typer.echo("notifications: none (notification type is 'none')")
        return
    detail = dispatch.error or dispatch.reference or ""
    typer.echo(f"notifications: {dispatch.queue} {dispatch.status} {detail}".rstrip())
    if result.send is not None and dispatch.status is DispatchStatus.RAN:
        overview = c.send_status()(PostId(post_id))
        typer.echo(f"send: {overview.state}, {dict(overview.as_result())}")
    if dispatch.failed:
        raise typer.Exit(int(ExitCode.FAILURE))
