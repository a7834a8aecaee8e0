"""``oolvay bounces process imap://...`` against a real IMAP server (pymap, in memory)."""

from __future__ import annotations

import imaplib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.builders import T0, a_post, a_subscriber
from tests.integration.cli.conftest import Cli
from tests.integration.conftest import an_author, given
from tests.returned_mail import arf, auto_reply, dsn

USER, PASSWORD = "bounces", "s3cret"


@pytest.fixture
def imap_port(free_tcp_port: int) -> Iterator[int]:
    pymap = shutil.which("pymap", path=str(Path(sys.executable).parent))
    if pymap is None:
        pytest.skip("pymap (a dev dependency) is not installed")
    server = subprocess.Popen(
        [
            *(pymap, "--no-tls", "--host", "127.0.0.1", "--port", str(free_tcp_port)),
            *("dict", "--demo-user", USER, "--demo-password", PASSWORD),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_listening(free_tcp_port, server)
        yield free_tcp_port
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_until_listening(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and server.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("the IMAP server did not start listening")


def append(port: int, *messages: bytes) -> None:
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=5)
    imap.login(USER, PASSWORD)
    for raw in messages:
        imap.append("INBOX", None, None, raw)
    imap.logout()


def unseen(port: int) -> int:
    imap = imaplib.IMAP4("127.0.0.1", port, timeout=5)
    imap.login(USER, PASSWORD)
    imap.select('"INBOX"')
    _, found = imap.uid("SEARCH", "UNSEEN")
    imap.logout()
    return len(found[0].split())


def test_returned_mail_in_an_imap_mailbox_is_read_once(cli: Cli, imap_port: int) -> None:
    post, reader, other = a_post(), a_subscriber(1), a_subscriber(2)
    post.publish(T0)
    given(cli.container.uow(), an_author(), post, reader, other)
    paths = cli.container.return_paths()
    append(
        imap_port,
        dsn(return_path=paths.address(reader.id, post.id), recipient=reader.email),
        arf(return_path=paths.address(other.id, post.id), recipient=other.email),
        auto_reply(to="bounces@oolvay.test"),
    )
    url = f"imap://{USER}:{PASSWORD}@127.0.0.1:{imap_port}/INBOX?starttls=false"

    first = cli.invoke("bounces", "process", url)
    second = cli.invoke("bounces", "process", url)

    assert first.exit_code == 0, first.output
    assert "read 3: suppressed 2, unrecognised 1" in first.output
    assert "read 0" in second.output
    assert unseen(imap_port) == 0
    uow = cli.container.uow()
    with uow:
        assert all(uow.users.get(u.id).bounced for u in (reader, other))  # type: ignore[union-attr]


def test_a_wrong_password_is_reported_without_it(cli: Cli, imap_port: int) -> None:
    url = f"imap://{USER}:wrong-password@127.0.0.1:{imap_port}/INBOX?starttls=false"

    result = cli.invoke("bounces", "process", url)

    assert result.exit_code == 1
    assert "cannot read the mailbox" in result.output
    assert "wrong-password" not in result.output


def test_an_unencrypted_imap_url_is_refused_off_this_machine(cli: Cli) -> None:
    result = cli.invoke("bounces", "process", "imap://u:p@mail.example.org/INBOX?starttls=false")

    assert result.exit_code == 2
    assert "unencrypted" in result.output
