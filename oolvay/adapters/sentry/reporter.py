"""SentryErrorReporter: the ErrorReporter port on sentry-sdk.

The SDK is imported when first needed: a command that reports nothing should not pay for it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import structlog

from oolvay.settings import Problem

log = structlog.get_logger(__name__)


def sentry_problems(dsn: str | None) -> list[Problem]:
    """What is wrong with ``SENTRY_DSN`` (checked at start-up: the SDK raises at init)."""
    if not dsn:
        return []
    from sentry_sdk.utils import BadDsn, Dsn

    try:
        Dsn(dsn)
    except BadDsn as error:
        return [
            Problem(
                "environment variable SENTRY_DSN",
                f"not a Sentry DSN ({error})",
                "errors could not be reported, and the SDK refuses to start",
                "copy the DSN from the Sentry project's settings "
                "(https://<key>@<host>/<project id>), or unset it",
            )
        ]
    return []


def init_sentry(dsn: str | None, *, environment: str, release: str | None = None) -> bool:
    """Initialise the SDK when a DSN is configured; without one, reports go nowhere."""
    if not dsn:
        return False
    import sentry_sdk

    sentry_sdk.init(dsn=dsn, environment=environment, release=release, send_default_pii=False)
    return True


class SentryErrorReporter:
    """Each report gets its own scope, like ``Sentry.withScope`` in the seed."""

    def report(
        self,
        error: BaseException,
        *,
        fingerprint: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        contexts: Mapping[str, Mapping[str, object]] | None = None,
    ) -> None:
        try:
            import sentry_sdk

            with sentry_sdk.new_scope() as scope:
                if fingerprint:
                    scope.fingerprint = list(fingerprint)
                for key, value in (tags or {}).items():
                    scope.set_tag(key, value)
                for name, context in (contexts or {}).items():
                    scope.set_context(name, dict(context))
                sentry_sdk.capture_exception(error)
        except Exception as failure:  # noqa: BLE001 - reporting must never break the caller
            log.warning("Could not report error to Sentry", error=repr(failure))
