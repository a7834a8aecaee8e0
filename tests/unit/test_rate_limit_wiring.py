"""REDIS_URL is the one switch between the rate limiter's two storages."""

from __future__ import annotations

import pytest

from oolvay.adapters.ratelimit.storage import DatabaseRateLimitStorage, RedisRateLimitStorage
from oolvay.composition_root import build_container
from oolvay.settings import ConfigError, load_settings


def test_rate_limits_are_counted_in_the_database_by_default() -> None:
    container = build_container(load_settings({}))

    assert container.rate_limit_backend() == "database"
    assert isinstance(container.rate_limit_storage(), DatabaseRateLimitStorage)


def test_redis_url_moves_them_to_redis() -> None:
    container = build_container(load_settings({"REDIS_URL": "redis://127.0.0.1:6379/3"}))

    assert container.rate_limit_backend() == "redis"
    assert isinstance(container.rate_limit_storage(), RedisRateLimitStorage)


def test_a_redis_url_that_is_not_one_stops_start_up_naming_it() -> None:
    with pytest.raises(ConfigError, match="REDIS_URL: not a redis://"):
        build_container(load_settings({"REDIS_URL": "http://127.0.0.1:6379"}))


def test_the_session_lifetimes_come_from_the_settings() -> None:
    container = build_container(
        load_settings(
            {"OOLVAY_EDITORS__SESSION_IDLE_HOURS": "2", "OOLVAY_EDITORS__SESSION_MAX_AGE_DAYS": "3"}
        )
    )

    policy = container.session_policy()
    assert (policy.idle.total_seconds(), policy.max_age.days) == (7200, 3)
