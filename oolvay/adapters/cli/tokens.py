"""``oolvay tokens ...``: editors' API tokens: list and revoke them."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail, find_editor
from oolvay.adapters.cli.help import App
from oolvay.domain.errors import NotFound

app = App(
    help="Editors' API tokens: list and revoke them.\n\nMake one with: oolvay editors create EMAIL."
)


@app.command("list")
def list_tokens(
    ctx: typer.Context,
    editor: Annotated[
        str | None, typer.Option(metavar="EMAIL", help="Only this editor's tokens.")
    ] = None,
) -> None:
    """Tokens by editor: id, name, made, revoked. Secrets are never stored, so never shown."""
    services = container_for(ctx)
    if editor is not None:
        owner = find_editor(services, editor)
        owned = [(owner, services.list_api_tokens()(owner.id))]
    else:
        owned = services.list_editors()()
    shown = 0
    for user, tokens in owned:
        for token in tokens:
            state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
            typer.echo(
                f"{token.id}  {user.email}  {token.name!r}  "
                f"made {token.created_at:%Y-%m-%d %H:%M}  {state}"
            )
            shown += 1
    if not shown:
        typer.echo("No tokens.", err=True)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: Annotated[
        uuid.UUID, typer.Argument(metavar="ID", help="The token's id (see tokens list).")
    ],
) -> None:
    """Revoke a token by its id: it stops working at once. Revoking twice is harmless."""
    try:
        token = container_for(ctx).revoke_api_token()(token_id, owner=None)
    except NotFound as error:
        fail(str(error), ExitCode.NOT_FOUND)
    typer.echo(f"token {token.id} ({token.name!r}) revoked")
