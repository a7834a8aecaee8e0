"""``python -m oolvay``: the command line."""

from __future__ import annotations

import sys

from oolvay.composition_root import bootstrap
from oolvay.settings import ConfigError


def main() -> int:
    try:
        container = bootstrap()
    except ConfigError as error:
        print(f"oolvay: {error}", file=sys.stderr)
        return 2
    backend = "inngest" if container.config.background_jobs.inngest.enabled() else "inline"
    print(f"oolvay: settings valid; jobs run {backend}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
