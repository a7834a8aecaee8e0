"""Insert many demo subscribers quickly (COPY on PostgreSQL, executemany on SQLite).

    uv run python bench/seed_users.py --count 100000            # into DATABASE_URL
    uv run python bench/seed_users.py --database-url postgresql://postgres@127.0.0.1/demo

The database must be migrated first (``oolvay db upgrade``). Every user gets a fresh
email, so the script can be run again on the same database.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from oolvay.adapters.sqlalchemy.bulk import bulk_insert_users
from oolvay.adapters.sqlalchemy.engine import create_database_engine
from oolvay.adapters.sqlalchemy.schema import database_problem
from oolvay.domain.ids import new_user_id
from oolvay.domain.users import User
from oolvay.settings import Deployment


def demo_users(count: int, *, tag: str | None = None, all_eligible: bool = False) -> Iterator[User]:
    """``count`` users, about 85% of them in the post-email audience (all of them with
    ``all_eligible``).

    Every 10th has opted out, every 20th is unverified, every 50th bounced, every 100th
    inactive. Built directly (the addresses are known to be valid) so that generating
    100,000 of them costs little next to inserting them."""
    tag = tag or secrets.token_hex(3)
    now = datetime.now(UTC)
    for n in range(count):
        yield User(
            id=new_user_id(),
            email=f"reader{n}.{tag}@example.com",
            created_at=now,
            active=all_eligible or n % 100 != 3,
            email_verified=all_eligible or n % 20 != 1,
            bounced=not all_eligible and n % 50 == 2,
            wants_post_emails=all_eligible or n % 10 != 0,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or Deployment().database_url,
        help="default: DATABASE_URL, else the embedded default",
    )
    args = parser.parse_args()

    engine = create_database_engine(args.database_url)
    problem = database_problem(lambda: engine)
    if problem is not None:
        print(f"seed_users: {problem}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    with engine.begin() as connection:
        inserted = bulk_insert_users(connection, demo_users(args.count))
    elapsed = time.perf_counter() - started
    where = engine.url.render_as_string(hide_password=True)
    print(f"{inserted:,} users into {where} in {elapsed:.2f} s ({inserted / elapsed:,.0f}/s)")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
