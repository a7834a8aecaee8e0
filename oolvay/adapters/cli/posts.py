"""``oolvay posts ...``: write, list and publish posts from the command line."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Literal

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail, find_editor
from oolvay.adapters.cli.help import App
from oolvay.application.dispatch import DispatchStatus
from oolvay.domain.errors import Conflict, InvalidInput, NotFound

app = App(help="Posts: write, list and publish them.")


@app.command("create")
def create(
    ctx: typer.Context,
    editor: Annotated[str, typer.Option(metavar="EMAIL", help="The author: an editor's email.")],
    title: Annotated[str, typer.Option(help="The title.")],
    body: Annotated[str | None, typer.Option(help="The text of the post.")] = None,
    body_file: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            exists=True,
            dir_okay=False,
            readable=True,
            help="Read the text from a UTF-8 file instead.",
        ),
    ] = None,
    notify: Annotated[
        Literal["email", "none"],
        typer.Option(help="What publishing it sends to subscribers."),
    ] = "email",
) -> None:
    """Write a draft and print its id.

    Publish it with: oolvay posts publish ID."""
    from oolvay.domain.posts import NotificationType

    if body is not None and body_file is not None:
        fail("give --body or --body-file, not both", ExitCode.USAGE)
    text = body or ""
    if body_file is not None:
        try:
            text = body_file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            fail(f"{body_file}: not a UTF-8 text file", ExitCode.USAGE)
    services = container_for(ctx)
    author = find_editor(services, editor)
    try:
        post = services.create_post()(
            author_id=author.id, title=title, body=text, notification_type=NotificationType(notify)
        )
    except InvalidInput as error:
        fail(str(error), ExitCode.USAGE)
    typer.echo(f"draft: {post.title!r} by {author.email}", err=True)
    typer.echo(post.id)


@app.command("list")
def list_posts(
    ctx: typer.Context,
    status: Annotated[
        Literal["draft", "published"] | None, typer.Option(help="Only posts in this state.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many.", min=1, max=100)] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many first.", min=0)] = 0,
) -> None:
    """Posts, newest first: id, state, when, title."""
    from oolvay.domain.posts import PostStatus

    page = container_for(ctx).list_posts()(
        status=PostStatus(status) if status else None, limit=limit, offset=offset
    )
    for post in page.posts:
        when = post.published_at or post.created_at
        typer.echo(f"{post.id}  {post.status:<9}  {when:%Y-%m-%d %H:%M}  {post.title}")
    shown = f"{offset + 1}-{offset + len(page.posts)}" if page.posts else "none"
    typer.echo(f"{shown} of {page.total} posts", err=True)


@app.command("publish")
def publish(
    ctx: typer.Context,
    post_id: Annotated[uuid.UUID, typer.Argument(metavar="ID", help="The post's id.")],
) -> None:
    """Publish a draft and notify its subscribers.

    The notifications go through the configured queue: inline, or Inngest."""
    from oolvay.domain.ids import PostId

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
