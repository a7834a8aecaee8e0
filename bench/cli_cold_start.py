"""How long the command line takes to start, each run a new process (the OS's file cache
warm, as for a person typing commands one after another).

    .venv/bin/python bench/cli_cold_start.py [--runs 15]

Three commands, measured side by side in one run (A B C, A B C, ...) so that they share
the machine's load:

* ``python -c "import typer, rich"``: the floor, what the command line's libraries cost;
* ``oolvay --help``;
* ``oolvay posts list``: a command that touches the database (a migrated SQLite file made
  for the run; it checks the schema, then reads a page of posts).

It prints medians and the ratio ``oolvay --help`` / the floor, against the targets: at most
3x, and at most 1.5 s for the database command. Run ``make sync`` first: it installs the
environment with compiled bytecode, which these timings assume.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

HELP_RATIO_TARGET = 3.0
DATABASE_COMMAND_TARGET_SECONDS = 1.5


def elapsed(command: Sequence[str], environ: Mapping[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=environ, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    args = parser.parse_args()

    python = sys.executable
    oolvay = str(Path(python).with_name("oolvay"))
    with tempfile.TemporaryDirectory() as folder:
        environ = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "OOLVAY_SECRET_KEY": "bench-" + "k" * 40,
        }
        subprocess.run([oolvay, "db", "upgrade"], env=environ, check=True, capture_output=True)
        commands = {
            'python -c "import typer, rich"': [python, "-c", "import typer, rich"],
            "oolvay --help": [oolvay, "--help"],
            "oolvay posts list": [oolvay, "posts", "list"],
        }
        for command in commands.values():  # one unmeasured run each: the file cache
            elapsed(command, environ)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(elapsed(command, environ))

    medians = {name: statistics.median(runs) for name, runs in times.items()}
    print(f"{args.runs} runs each, interleaved; seconds\n")
    print(f"{'command':<32} {'median':>8} {'min':>8} {'max':>8}")
    for name, runs in times.items():
        print(f"{name:<32} {medians[name]:>8.3f} {min(runs):>8.3f} {max(runs):>8.3f}")
    floor, help_, database = medians.values()
    ratio = help_ / floor
    print()
    print(
        f"oolvay --help / import typer, rich: {ratio:.2f}x "
        f"(target <= {HELP_RATIO_TARGET:g}x: {'met' if ratio <= HELP_RATIO_TARGET else 'MISSED'})"
    )
    met = database <= DATABASE_COMMAND_TARGET_SECONDS
    print(
        f"oolvay posts list: {database:.3f} s "
        f"(target <= {DATABASE_COMMAND_TARGET_SECONDS:g} s: {'met' if met else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
