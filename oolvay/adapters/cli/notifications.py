"""``oolvay notifications ...``: run, follow, resend and cancel a post's email send."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail
from oolvay.adapters.cli.help import App
from oolvay.domain.bounces import BounceKind
from oolvay.domain.deliveries import DeliveryState
from oolvay.domain.errors import Conflict, NotFound
from oolvay.domain.ids import PostId
from oolvay.domain.sends import SendState

if TYPE_CHECKING:
    from oolvay.application.sending.batch import BatchReport
    from oolvay.application.sending.status import SendOverview

app = App(help="A post's email send: run, follow, resend or cancel it.")

PostIdArgument = Annotated[
    uuid.UUID, typer.Argument(metavar="POST_ID", help="A published post's id.", show_default=False)
]
DONE = (DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.SKIPPED, DeliveryState.UNCERTAIN)


@app.command("send")
def send(ctx: typer.Context, post_id: PostIdArgument) -> None:
    """Send a published post here, inline, with a progress bar.

    It plans the send if it is not planned yet, then sends its current round, whatever
    queue is configured. Safe to repeat: nobody is emailed twice. To reach those a send
    left out, run resend first."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    handler = container_for(ctx).send_post_notifications()
    columns = (
        TextColumn("sending"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("failed {task.fields[failed]}"),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, transient=False) as progress:
            task = progress.add_task("send", total=None, failed=0)

            def on_batch(report: BatchReport) -> None:
                done = sum(report.progress[state] for state in DONE)
                failed = report.progress[DeliveryState.FAILED]
                task_state = progress.tasks[task]
                progress.update(
                    task,
                    total=(task_state.total or 0) + report.progress.total,
                    advance=done,
                    failed=int(task_state.fields["failed"]) + failed,
                )

            overview = handler.run(PostId(post_id), holder="cli", on_batch=on_batch)
    except NotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    except Conflict as error:
        fail(str(error), ExitCode.FAILURE)
    typer.echo(_summary(overview))
    if overview.state is not SendState.SENT:
        raise typer.Exit(int(ExitCode.FAILURE))


@app.command("status")
def status(ctx: typer.Context, post_id: PostIdArgument) -> None:
    """The send's state, counts and most recent failures."""
    try:
        overview = container_for(ctx).send_status()(PostId(post_id))
    except NotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    typer.echo(_summary(overview))
    if overview.progress.stalled:
        typer.echo(
            f"{overview.progress.stalled} held by a run that stopped; they are taken over "
            "by the next batch run, or by: oolvay notifications resend POST_ID"
        )
    for delivery in overview.failed:
        typer.echo(f"  failed  {delivery.email}: {delivery.error}")


@app.command("resend")
def resend(
    ctx: typer.Context,
    post_id: PostIdArgument,
    include_uncertain: Annotated[
        bool,
        typer.Option(
            "--include-uncertain",
            help="Also those whose email may have gone out when their run died.",
        ),
    ] = False,
) -> None:
    """Send the post to everyone in its audience who has not got it.

    It goes through the configured queue, in a new round. Nobody already sent gets it
    twice; those a run was sending to when it died (uncertain) only with
    --include-uncertain."""
    try:
        resent = container_for(ctx).resend()(PostId(post_id), include_uncertain=include_uncertain)
    except NotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    except Conflict as error:
        fail(str(error), ExitCode.FAILURE)
    who = "the send is planned now" if resent.requeued is None else f"{resent.requeued} requeued"
    dispatch = resent.dispatch
    typer.echo(f"round {resent.round}: {who}; {dispatch.queue} {dispatch.status}")
    if dispatch.failed:
        raise typer.Exit(int(ExitCode.FAILURE))


@app.command("cancel")
def cancel(ctx: typer.Context, post_id: PostIdArgument) -> None:
    """Stop the send: nobody still queued gets the email.

    Batches already sending finish the recipients they hold. A resend takes it up again."""
    try:
        cancelled = container_for(ctx).cancel_send()(PostId(post_id))
    except NotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    typer.echo(f"cancelled: {cancelled} queued recipients will not be sent to")


def _summary(overview: SendOverview) -> str:
    p = overview.progress
    audience = "not planned yet" if overview.send.audience is None else overview.send.audience
    line = (
        f"{overview.state}: audience {audience}; sent {p[DeliveryState.SENT]}, "
        f"failed {p[DeliveryState.FAILED]} ({p.retriable} worth retrying), "
        f"uncertain {p[DeliveryState.UNCERTAIN]}, skipped {p[DeliveryState.SKIPPED]}, "
        f"queued {p[DeliveryState.QUEUED]}, sending {p[DeliveryState.SENDING]}"
    )
    if overview.rate_per_second:
        line += f"; {overview.rate_per_second:.1f}/s"
    if overview.eta_seconds is not None:
        line += f", about {overview.eta_seconds:.0f}s left"
    if overview.send.error:
        line += f"\n{overview.send.error}"
    returned, rate = overview.feedback.counts, overview.feedback.complaint_rate
    if returned:
        line += (
            f"\nreturned: {returned.get(BounceKind.HARD_BOUNCE, 0)} bounced for good, "
            f"{returned.get(BounceKind.SOFT_BOUNCE, 0)} delayed, "
            f"{returned.get(BounceKind.COMPLAINT, 0)} complaints"
        )
        if rate is not None:
            line += f" ({rate:.3%} of those sent; keep it under 0.3%)"
    return line
