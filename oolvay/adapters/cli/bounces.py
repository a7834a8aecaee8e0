"""``oolvay bounces ...``: read returned mail (a Maildir, an IMAP mailbox, or an SMTP
listener), and a post's bounces and complaints."""

from __future__ import annotations

import imaplib
import threading
import uuid
from pathlib import Path
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail, require_database
from oolvay.adapters.cli.help import App
from oolvay.domain.bounces import BounceKind
from oolvay.domain.errors import PostNotFound
from oolvay.domain.ids import PostId

app = App(help="Bounces and complaints that come back.")


@app.command("process")
def process(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Argument(help="A Maildir folder, or imaps://user:password@host/MAILBOX.")
    ],
    delete: Annotated[
        bool, typer.Option(help="Delete each message once read (default: mark it seen).")
    ] = False,
) -> None:
    """Read the returned mail not read yet.

    A permanent bounce or a complaint suppresses its recipient; everything is recorded for
    the post. Forged reports change nothing."""
    from oolvay.adapters.email.inbound import ImapMailbox, process_imap, process_maildir

    app_container = container_for(ctx)
    require_database(app_container)
    handle = app_container.returned_mail_handler()
    try:
        if "://" in source:
            counts = process_imap(ImapMailbox.from_url(source), handle, delete=delete)
        else:
            counts = process_maildir(Path(source), handle, delete=delete)
    except ValueError as error:
        fail(f"{source.partition('://')[0]}:// URL: {error}", ExitCode.USAGE)
    except FileNotFoundError as error:
        fail(str(error), ExitCode.NOT_FOUND)
    except (OSError, imaplib.IMAP4.error) as error:
        fail(f"cannot read the mailbox: {error}")
    typer.echo(_summary(counts))


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Where to listen.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The SMTP port.")] = 2525,
) -> None:
    """Listen for returned mail that a mail server forwards.

    It runs until interrupted. Mail is taken for the bounce address (email.bounce_address)
    and its VERP forms only."""
    from oolvay.adapters.email.listener import bounce_listener

    app_container = container_for(ctx)
    require_database(app_container)
    bounce_address = app_container.config.email.bounce_address_or_default()
    controller, _ = bounce_listener(
        app_container.returned_mail_handler(), bounce_address=bounce_address, host=host, port=port
    )
    try:
        controller.start()
    except (OSError, RuntimeError) as error:
        fail(f"cannot listen on {host}:{port}: {error}")
    typer.echo(f"Listening on {host}:{port} for mail to {bounce_address} and its VERP forms.")
    try:
        threading.Event().wait()
    finally:
        controller.stop()


@app.command("stats")
def stats(
    ctx: typer.Context, post_id: Annotated[str, typer.Argument(help="The post's id.")]
) -> None:
    """A post's bounces and complaints, and its complaint (spam) rate."""
    try:
        parsed = PostId(uuid.UUID(post_id))
    except ValueError:
        fail(f"{post_id!r} is not a post id", ExitCode.USAGE)
    try:
        feedback = container_for(ctx).post_feedback()(parsed)
    except PostNotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    rate = feedback.complaint_rate
    typer.echo(f"sent          {feedback.sent}")
    for kind in BounceKind:
        typer.echo(f"{kind.value:<13} {feedback.counts.get(kind, 0)}")
    typer.echo(f"spam rate     {'-' if rate is None else f'{rate:.2%}'} (keep it under 0.30%)")


def _summary(counts: dict[str, int]) -> str:
    read = sum(counts.values())
    details = ", ".join(f"{outcome} {count}" for outcome, count in sorted(counts.items()))
    return f"read {read}" + (f": {details}" if details else "")
