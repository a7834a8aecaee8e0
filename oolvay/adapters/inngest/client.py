"""The Inngest client, built from an InngestEnvironment with nothing left for the SDK to guess."""

from __future__ import annotations

from datetime import timedelta

import inngest
from inngest._internal import net

from oolvay.adapters.inngest.environment import InngestEnvironment


class _Inngest(inngest.Inngest):
    """``inngest.Inngest`` that takes the fallback signing key as an argument.

    The SDK reads ``INNGEST_SIGNING_KEY_FALLBACK`` only from ``os.environ``; every other
    setting comes from our validated settings, so this one does too."""

    def __init__(
        self,
        *,
        app_id: str,
        is_production: bool,
        api_base_url: str,
        event_api_base_url: str,
        event_key: str | None,
        signing_key: str | None,
        signing_key_fallback: str | None,
        request_timeout: timedelta,
    ) -> None:
        super().__init__(
            app_id=app_id,
            is_production=is_production,
            api_base_url=api_base_url,
            event_api_base_url=event_api_base_url,
            event_key=event_key,
            signing_key=signing_key,
            request_timeout=request_timeout,
        )
        self._signing_key_fallback = signing_key_fallback
        self._http_client = net.AuthenticatedHTTPClient(
            env=self.env,
            signing_key=self.signing_key,
            signing_key_fallback=signing_key_fallback,
        )


def build_inngest_client(
    *, app_id: str, environment: InngestEnvironment, request_timeout: timedelta
) -> inngest.Inngest:
    """``request_timeout`` bounds each HTTP attempt of a send (the SDK makes up to five)."""
    return _Inngest(
        app_id=app_id,
        is_production=environment.is_cloud,
        api_base_url=environment.api_base_url,
        event_api_base_url=environment.event_api_base_url,
        event_key=environment.event_key,
        signing_key=environment.signing_key,
        signing_key_fallback=environment.signing_key_fallback,
        request_timeout=request_timeout,
    )
