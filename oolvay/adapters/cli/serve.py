"""``oolvay serve``: the HTTP service under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from oolvay.adapters.cli.context import container, require_database
from oolvay.adapters.http.app import create_app


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Run the HTTP service (editors' API, subscribers' pages, /api/inngest)."""
    services = container()
    require_database(services)
    app = create_app(services)
    uvicorn.run(app, host=host, port=port, log_config=None)
