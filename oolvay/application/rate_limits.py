"""Named rate limits: what may happen how often, for one key (a client, an account).

The limits are stated here, once; the RateLimiter port decides whether one more event
fits, with its storage shared by every process of the service.
"""

from __future__ import annotations

from datetime import timedelta

import attrs

from oolvay.domain.errors import RateLimited


@attrs.frozen
class Rate:
    """At most ``limit`` events per ``per``, spread out: a full ``limit`` may come at once,
    then one more every ``per / limit``."""

    limit: int = attrs.field(validator=attrs.validators.ge(1))
    per: timedelta = attrs.field()

    @per.validator
    def _positive(self, _attribute: object, value: timedelta) -> None:
        if value <= timedelta(0):
            raise ValueError("a rate's period must be positive")


@attrs.frozen
class RateLimit:
    """A name (which also namespaces the keys in storage) and the rates that all apply."""

    name: str = attrs.field(validator=attrs.validators.matches_re(r"^[a-z0-9][a-z0-9-]*$"))
    rates: tuple[Rate, ...] = attrs.field(validator=attrs.validators.min_len(1))
    what: str = "attempts"
    """What is counted, as a person reads it ("sign-in attempts")."""


@attrs.frozen
class RateDecision:
    allowed: bool
    retry_after: timedelta = timedelta(0)
    """When refused: how long until one more event fits."""

    def raise_if_refused(self, limit: RateLimit) -> None:
        if not self.allowed:
            seconds = max(1, int(-(-self.retry_after.total_seconds() // 1)))
            raise RateLimited(limit.what, seconds)


SIGN_IN_PER_CLIENT = RateLimit(
    "sign-in-client",
    (Rate(10, timedelta(minutes=1)), Rate(50, timedelta(hours=1))),
    what="sign-in attempts from this address",
)
"""One network address: a typing editor never comes near it; a password-guessing script
is held to under one try a minute after its first burst."""

SIGN_IN_PER_ACCOUNT = RateLimit(
    "sign-in-account",
    (Rate(5, timedelta(minutes=1)), Rate(20, timedelta(hours=1))),
    what="sign-in attempts for this account",
)
"""One email address, from anywhere: guessing one editor's password from many addresses
is held to twenty tries an hour."""
