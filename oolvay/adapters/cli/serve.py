"""``oolvay serve``: the HTTP service under uvicorn."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from oolvay.adapters.cli.context import ExitCode, container_for, fail, given_container
from oolvay.listen_address import DEFAULT_HOST, DEFAULT_PORT, listen_url, listening_at

if TYPE_CHECKING:
    from oolvay.composition_root import Container

Probe = Callable[[str], bool]


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="The interface to listen on.")] = DEFAULT_HOST,
    port: Annotated[
        int, typer.Option(help="The port to listen on.", min=1, max=65535)
    ] = DEFAULT_PORT,
    demo: Annotated[
        bool,
        typer.Option(
            help="Migrate the database, add a demo editor and subscribers; print a token and "
            "the commands to publish."
        ),
    ] = False,
) -> None:
    """Run the HTTP service.

    It serves the editors' API, the subscribers' pages and /api/inngest. The port is
    taken first: if something else listens there, nothing is changed and the
    command exits 4. Then the doctor's checks run: warnings are printed, errors stop it
    (exit 1). Outside production, links in emails follow --host and --port unless
    OOLVAY_BASE_URL is set."""
    from oolvay import doctor as checks

    environ = listening_at(os.environ, host, port)
    with _listening_socket(host, port) as sock:
        services = None
        if demo:
            # The embedded database of `make run`: migrated here, once the port is ours, so
            # that a second `make run` beside a running one changes nothing at all.
            services = container_for(ctx, environ)
            problem = services.upgrade_database()
            if problem is not None:
                fail(problem)
        if given_container(ctx) is None:
            findings = checks.examine(environ, listen=(host, port))
            if any(finding.severity for finding in findings):
                typer.echo(checks.render(findings, verbose=False), err=True)
            if checks.errors(findings):
                raise typer.Exit(int(ExitCode.FAILURE))
        services = services or container_for(ctx, environ)
        _run(services, sock, host=host, port=port, demo=demo)


def _run(services: Container, sock: socket.socket, *, host: str, port: int, demo: bool) -> None:
    import uvicorn

    from oolvay.adapters.cli.context import require_database
    from oolvay.adapters.http.app import create_app

    require_database(services)
    app = create_app(services)
    if demo:
        typer.echo(demo_instructions(services, listen_url(host, port)))
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_config=None)).run(sockets=[sock])


@contextlib.contextmanager
def _listening_socket(host: str, port: int) -> Iterator[socket.socket]:
    """The server's socket, listening before anything else happens (exit 4 if it cannot).

    uvicorn serves on it later; holding it from the start means a second server started
    by mistake stops before it changes anything (the demo's token, the database)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        fail(f"cannot listen on {host}:{port}: {error.strerror}", ExitCode.ADDRESS_UNAVAILABLE)
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        sock.bind(address)
        sock.listen()
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            fail(
                f"{host}:{port} is already in use (another `oolvay serve`?); nothing was "
                f"changed. Stop the other server, or choose another port: --port {port + 1}",
                ExitCode.ADDRESS_UNAVAILABLE,
            )
        fail(f"cannot listen on {host}:{port}: {error.strerror}", ExitCode.ADDRESS_UNAVAILABLE)
    with sock:
        yield sock


def demo_instructions(services: Container, base: str, *, probe: Probe | None = None) -> str:
    """The banner of ``serve --demo``: a fresh demo token, and how to publish a post."""
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

{_what_happens(services, base, mail, probe)}
"""


def _what_happens(services: Container, base: str, mail: str, probe: Probe | None) -> str:
    if services.queue_backend() == "inline":
        return f"Then read the emails it sent: ls {mail}"
    from oolvay.doctor import http_answers

    environment = services.inngest_environment()
    if environment.is_cloud:
        origin = environment.serve_origin or base
        return (
            "Publishing sends a post.published event to Inngest Cloud, which runs the worker\n"
            f"by calling {origin}/api/inngest: that address must be reachable from the internet\n"
            "(INNGEST_SERVE_ORIGIN). The emails go out once it has."
        )
    dev_server = environment.api_base_url
    if (probe or http_answers)(dev_server):
        return (
            f"Publishing sends a post.published event to the Inngest dev server at {dev_server};\n"
            f"it runs the worker, which sends the emails (ls {mail} a moment later).\n"
            f"Its runs: {dev_server}/runs"
        )
    return f"""No Inngest dev server answers at {dev_server}. Until one does, a publish succeeds
but its event cannot be sent: it is recorded as a failed dispatch and no email goes out.
Start the dev server, then send the recorded events again (with the same INNGEST_DEV):

  npx inngest-cli@latest dev -u {base}/api/inngest
  bin/oolvay dispatches retry --all"""
