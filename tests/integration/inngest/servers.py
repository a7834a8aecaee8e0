"""Local stand-ins for Inngest's event API on free loopback ports: one that works, and the
ways one can misbehave."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, str, bytes]
"""Status, content type, body."""


class EventApi:
    """An HTTP server on 127.0.0.1 that keeps every event POSTed to it and answers with
    ``reply(events)``."""

    def __init__(self, reply: Callable[[list[dict[str, Any]]], Reply]) -> None:
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                events = json.loads(self.rfile.read(length) or b"[]")
                api.paths.append(self.path)
                api.received.extend(events)
                status, content_type, body = reply(events)
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def received_ids(self) -> list[str]:
        return [event["id"] for event in self.received]

    def __enter__(self) -> EventApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def accepting(events: list[dict[str, Any]]) -> Reply:
    body = {"ids": [f"01INNGEST{n}" for n, _ in enumerate(events)], "status": 200}
    return 200, "application/json", json.dumps(body).encode()


def error_500_json(_events: list[dict[str, Any]]) -> Reply:
    return 500, "application/json", b'{"error": "internal error", "status": 500}'


def error_502_html(_events: list[dict[str, Any]]) -> Reply:
    return 502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"


def error_401_json(_events: list[dict[str, Any]]) -> Reply:
    return 401, "application/json", b'{"error": "Event key not found", "status": 401}'


@contextmanager
def silent_server() -> Iterator[str]:
    """A socket that accepts connections and never answers; yields its URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stopping.set()
        listener.close()
        for connection in held:
            connection.close()


@contextmanager
def closed_port() -> Iterator[str]:
    """The URL of a loopback port nobody listens on."""
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    yield f"http://127.0.0.1:{port}"


@contextmanager
def event_api(reply: Callable[[list[dict[str, Any]]], Reply]) -> Iterator[str]:
    with EventApi(reply) as api:
        yield api.url


MISBEHAVING: dict[str, Callable[[], AbstractContextManager[str]]] = {
    "closed port": closed_port,
    "500 with JSON": lambda: event_api(error_500_json),
    "502 with HTML": lambda: event_api(error_502_html),
    "401": lambda: event_api(error_401_json),
    "accepts and never answers": silent_server,
}
"""Every way the event API can fail us, by name: each yields the URL to send to."""
