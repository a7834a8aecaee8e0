"""``oolvay users ...``: subscribers in bulk."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail
from oolvay.adapters.cli.help import App
from oolvay.adapters.subscriber_csv import addresses
from oolvay.domain.errors import NotFound

app = App(help="Users and subscribers, and who gets no mail.")

SHOWN_PROBLEMS = 20


@app.command("import")
def import_users(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            exists=True,
            dir_okay=False,
            readable=True,
            help="A CSV of email addresses.",
        ),
    ],
    unverified: Annotated[
        bool, typer.Option(help="Import as unverified: they get nothing until they confirm.")
    ] = False,
    skip_invalid: Annotated[
        bool, typer.Option(help="Import the valid addresses even if some are not.")
    ] = False,
) -> None:
    """Import subscribers from a CSV file.

    One address per row, in the first column or in a column headed "email". All or
    nothing: one invalid address imports none (exit 2) unless --skip-invalid. Known
    addresses are left as they are."""
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


@app.command("show")
def show(ctx: typer.Context, email: Annotated[str, typer.Argument(help="The address.")]) -> None:
    """A user's flags, bounces and complaints."""
    try:
        record = container_for(ctx).show_subscriber()(email)
    except NotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    user = record.user
    typer.echo(f"{user.email} ({user.id})")
    typer.echo(f"  receives post emails: {'yes' if user.receives_post_emails else 'no'}")
    typer.echo(f"  suppressed: {'yes' if user.is_suppressed else 'no'}")
    for name in ("active", "email_verified", "wants_post_emails", "is_editor"):
        typer.echo(f"  {name}: {'yes' if getattr(user, name) else 'no'}")
    for event in record.events:
        typer.echo(
            f"  {event.received_at:%Y-%m-%d %H:%M} {event.kind} {event.status or ''} "
            f"post {event.post_id} ({event.source}) {event.detail or ''}".rstrip()
        )


@app.command("suppressed")
def suppressed(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    offset: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """Addresses no mail goes to, and why.

    Each with the last bounce or complaint that caused it."""
    found = container_for(ctx).list_suppressed()(limit=limit, offset=offset)
    for entry in found:
        because = entry.because
        reason = f"{because.kind} {because.status or ''}".strip() if because else "bounced"
        when = f"{because.received_at:%Y-%m-%d}" if because else ""
        typer.echo(f"{entry.user.email}\t{reason}\t{when}".rstrip())
    typer.echo(f"{len(found)} suppressed", err=True)


@app.command("unsuppress")
def unsuppress(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="The address.")]
) -> None:
    """Send mail to this address again.

    For a mailbox restored, or a complaint made in error."""
    try:
        user = container_for(ctx).unsuppress()(email, by="cli")
    except NotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    typer.echo(f"{user.email}: mail goes to it again")
