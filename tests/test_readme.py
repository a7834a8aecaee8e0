"""The README's shell lines work as written: each line of its ``sh`` blocks that needs no
server runs, in order, in a scratch folder with its own database and mailbox."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
NEEDS_A_SERVER = {
    "make run": "starts the server and never returns",
    "curl ": "talks to the server that make run starts",
    "npx inngest-cli@latest dev": "starts the Inngest dev server and never returns",
}
"""Lines that need a server, by what they hold: their whole block is not run (the lines
around them work on what the server did)."""
NOT_RUN = {
    "make test": "this very suite",
    "make screenshots": "the browser tests, with Chromium, writing into the repository",
    ".venv/bin/alembic": "writes a new migration into the repository",
    ".venv/bin/python bench/snapshot.py": "a benchmark of minutes, a million subscribers",
}
"""Other lines not run, by what they hold, and why."""
LINKED = (
    ".venv",
    "bin",
    "bench",
    "config",
    "oolvay",
    "Makefile",
    "pyproject.toml",
    "uv.lock",
    "README.md",
)
"""What the scratch folder sees of the repository: everything but its data."""


def shell_blocks(text: str) -> list[list[str]]:
    """Each ``sh`` block's commands, continuation lines joined."""
    blocks = []
    for body in re.findall(r"^ *```sh\n(.*?)^ *```", text, re.DOTALL | re.MULTILINE):
        commands: list[str] = []
        pending = ""
        for line in body.splitlines():
            line = line.strip()
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            command = pending + line
            pending = ""
            if command and not command.startswith("#"):
                commands.append(command)
        blocks.append(commands)
    return blocks


def holds(command: str, reasons: dict[str, str]) -> bool:
    """Whether the command itself (not its comment) holds one of these."""
    return any(part in command.split(" #")[0] for part in reasons)


BLOCKS = shell_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
RUN = [
    command
    for block in BLOCKS
    if not any(holds(command, NEEDS_A_SERVER) for command in block)
    for command in block
    if not holds(command, NOT_RUN)
]


def test_every_line_left_out_is_in_the_readme() -> None:
    commands = [command for block in BLOCKS for command in block]

    for part in {**NEEDS_A_SERVER, **NOT_RUN}:
        assert any(part in command for command in commands), part
    assert len(RUN) >= 10


@pytest.mark.timeout(600)
def test_the_readmes_shell_lines_that_need_no_server_work_as_written(tmp_path: Path) -> None:
    for name in LINKED:
        (tmp_path / name).symlink_to(ROOT / name)
    script = "\n".join(
        f"{command} || {{ echo {shlex.quote('README line failed: ' + command)} >&2; exit 1; }}"
        for command in RUN
    )
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OOLVAY_", "INNGEST_"))
        and name not in {"DATABASE_URL", "SMTP_URL", "SENTRY_DSN"}
    }

    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=environ, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list((tmp_path / "var" / "mailbox").glob("*.eml"))) == 2
