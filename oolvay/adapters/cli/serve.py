"""``oolvay serve``: the HTTP service under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from oolvay import doctor as checks
from oolvay.adapters.cli.context import ExitCode, container_for, require_database
from oolvay.adapters.http.app import create_app
from oolvay.composition_root import Container


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    demo: Annotated[
        bool, typer.Option(help="Add a demo editor and subscribers; print a token and curl.")
    ] = False,
) -> None:
    """Run the HTTP service (editors' API, subscribers' pages, /api/inngest).

    The doctor's checks run first: warnings are printed, errors stop it (exit 1)."""
    if ctx.obj is None:
        findings = checks.examine(os.environ)
        if any(finding.severity for finding in findings):
            typer.echo(checks.render(findings, verbose=False), err=True)
        if checks.errors(findings):
            raise typer.Exit(int(ExitCode.FAILURE))
    services = container_for(ctx)
    require_database(services)
    app = create_app(services)
    if demo:
        typer.echo(demo_instructions(services, f"http://{host}:{port}"))
    uvicorn.run(app, host=host, port=port, log_config=None)


def demo_instructions(services: Container, base: str) -> str:
    demo = services.seed_demo()()
    mail = "var/mailbox/" if services.mail_backend() == "mailbox" else "your SMTP server"
    return f"""
Oolvay is starting at {base}  (jobs: {services.queue_backend()}, mail: {mail})

Editors sign in at {base}/editor
  email:     {demo.email}
  password:  {demo.password}   (a new one at each start)

API docs: {base}/docs. The demo editor's API token (a new one at each start; the last one
is revoked), for scripts:

  export TOKEN={demo.token.secret}

Create a post and publish it:

  POST_ID=$(curl -s -X POST {base}/api/posts -H "Authorization: Bearer $TOKEN" \\
    -H 'content-type: application/json' -d '{{"title": "Hello", "body": "My first post."}}' \\
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  curl -s -X POST {base}/api/posts/$POST_ID/publish -H "Authorization: Bearer $TOKEN"

Then read the emails it sent: ls {mail}
"""
