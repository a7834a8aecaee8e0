"""Running a transaction again when the database fails for a reason that may pass."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import attrs
import sqlalchemy as sa
import structlog
import tenacity

log = structlog.get_logger(__name__)

T = TypeVar("T")

_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})
"""PostgreSQL: connection exception, transaction rollback (serialization failure, deadlock),
insufficient resources, operator intervention (shutdown, cancel), system error."""
_TRANSIENT_SQLSTATES = frozenset({"55P03"})
"""PostgreSQL: lock not available (lock_timeout)."""
_TRANSIENT_SQLITE_CODES = frozenset({5, 6, 10, 15})
"""SQLite primary result codes: BUSY, LOCKED, IOERR, PROTOCOL."""


def is_transient(error: BaseException) -> bool:
    """Whether the same transaction may succeed if run again: a lost connection, a lock, a
    deadlock, a server restarting. A broken constraint or bad SQL never will."""
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES or sqlstate in _TRANSIENT_SQLSTATES
    code = getattr(error.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _TRANSIENT_SQLITE_CODES
    # No code at all: the driver lost the connection before the server could say why.
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError)


@attrs.frozen
class TransientErrorRetry:
    """Implements the TransactionRetry port with tenacity.

    Runs the transaction up to ``attempts`` times while it fails with a transient database
    error, waiting ``first_wait`` seconds, then twice as long each time (with jitter, up to
    ``max_wait``); then raises the last error. With the defaults, five attempts and about
    two seconds of waiting in all. Any other error is raised at once."""

    attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    first_wait: float = 0.1
    max_wait: float = 2.0

    def __call__(self, transaction: Callable[[], T]) -> T:
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(is_transient),
            stop=tenacity.stop_after_attempt(self.attempts),
            wait=tenacity.wait_exponential_jitter(
                multiplier=self.first_wait, max=self.max_wait, jitter=self.first_wait
            ),
            before_sleep=_log_retry,
            reraise=True,
        )
        return retrying(transaction)


def _log_retry(state: tenacity.RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    log.warning(
        "Database transaction failed; running it again",
        attempt=state.attempt_number,
        wait=round(state.upcoming_sleep, 3),
        error=f"{type(error).__name__}: {error}".splitlines()[0] if error else None,
    )
