"""A mail server that throttles: the relay answers 421 ("try again in 2 seconds") to every
tenth RCPT of the first ``--throttled`` messages, then accepts everything. One process
sends the post inline (`oolvay notifications send`); the table is the relay's own record
of when each message arrived and each 421 went out.

    uv run python bench/throttle_timeline.py [--messages 400] [--throttled 200]

Expected: every recipient once; the rate falls when the 421s start, stays low while they
come, and climbs back over a minute once they stop.
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
from pathlib import Path

from bench.mail_rate import a_post
from bench.relay import slow_relay
from bench.support import BENCH_SECRET_KEY, database


def timeline(arrived: list[float], throttled: list[float], width: float) -> list[str]:
    start = min(arrived + throttled)
    sent = collections.Counter(int((at - start) // width) for at in arrived)
    refused = collections.Counter(int((at - start) // width) for at in throttled)
    rows = [f"{'seconds':>9}  {'arrived':>7}  {'per second':>10}  {'421s':>4}  "]
    for slot in range(max(sent | refused) + 1):
        bar = "#" * sent[slot] if sent[slot] <= 60 else "#" * 59 + "+"
        rows.append(
            f"{slot * width:4.0f}-{(slot + 1) * width:<4.0f}  {sent[slot]:7}  "
            f"{sent[slot] / width:10.1f}  {refused[slot]:4}  {bar}"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--throttled", type=int, default=200, help="RCPTs with a 421 each tenth")
    parser.add_argument("--width", type=float, default=2.0, help="seconds per row")
    args = parser.parse_args()
    relay_context = slow_relay(
        0.02, throttle_every=10, throttle_wait=2, throttle_until=args.throttled
    )
    with relay_context as relay, database("sqlite", "") as url:
        post_id = a_post(url, args.messages)
        environ = {
            "DATABASE_URL": url,
            "SMTP_URL": f"smtp://127.0.0.1:{relay.port}?starttls=false",
            "OOLVAY_SECRET_KEY": BENCH_SECRET_KEY,
            "OOLVAY_NOTIFICATIONS__CONCURRENCY": "4",
            "PATH": "/usr/bin:/bin",
        }
        command = [str(Path(sys.prefix) / "bin" / "oolvay"), "notifications", "send", post_id]
        subprocess.run(command, env=environ, stdout=subprocess.DEVNULL, check=True)
        log = relay.log()
    arrived = [at for at, _ in log["arrived"]]
    recipients = [to for _, to in log["arrived"]]
    print(
        f"{len(arrived):,} messages to {len(set(recipients)):,} recipients "
        f"({len(recipients) - len(set(recipients))} twice), {len(log['throttled'])} 421s, "
        f"every tenth of the first {args.throttled} RCPTs; relay 20 ms a reply, concurrency 4"
    )
    print("\n".join(timeline(arrived, log["throttled"], args.width)))
    assert sorted(set(recipients)) == sorted(recipients), "someone got it twice"
    assert len(recipients) == args.messages, "someone was missed"


if __name__ == "__main__":
    main()
