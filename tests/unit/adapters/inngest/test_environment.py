from collections.abc import Mapping

import pytest

from oolvay.adapters.inngest.environment import (
    CLOUD_EVENT_API_URL,
    DEV_SERVER_URL,
    InngestEnvironment,
    InngestMode,
    inngest_environment,
    inngest_problems,
)
from oolvay.composition_root import build_container
from oolvay.settings import ConfigError, Severity, load_settings

SIGNING_KEY = "signkey-prod-3f9a1c0be4d27e8856a0c3b9d1f47e2a6c5b8d0e9f1a2b3c4d5e6f708192a3b4"
KEYS = {"INNGEST_EVENT_KEY": "event-key", "INNGEST_SIGNING_KEY": SIGNING_KEY}


def read(environ: Mapping[str, str], *, enabled: bool = True) -> InngestEnvironment:
    deployment = load_settings(environ).deployment
    return inngest_environment(deployment, enabled=enabled)


@pytest.mark.parametrize("value", [None, "", "0", "false", "FALSE", " false "])
def test_unset_0_or_false_is_inngest_cloud(value: str | None) -> None:
    environ = {**KEYS, **({"INNGEST_DEV": value} if value is not None else {})}

    environment = read(environ)

    assert environment.mode is InngestMode.CLOUD
    assert environment.event_api_base_url == CLOUD_EVENT_API_URL


def test_1_is_the_local_dev_server() -> None:
    environment = read({"INNGEST_DEV": "1"})

    assert environment.mode is InngestMode.DEV
    assert environment.api_base_url == environment.event_api_base_url == DEV_SERVER_URL


def test_a_url_is_a_dev_server_there() -> None:
    environment = read({"INNGEST_DEV": "http://inngest:8288/"})

    assert environment.mode is InngestMode.DEV
    assert environment.event_api_base_url == "http://inngest:8288"


@pytest.mark.parametrize("value", ["yes", "true", "on", "production", "2", "inngest:8288"])
def test_any_other_value_stops_start_up(value: str) -> None:
    with pytest.raises(ConfigError, match=f"INNGEST_DEV: '{value}' is not understood"):
        read({"INNGEST_DEV": value})


def test_inngest_dev_is_checked_even_when_inngest_is_disabled() -> None:
    with pytest.raises(ConfigError, match="INNGEST_DEV"):
        read({"INNGEST_DEV": "yes"}, enabled=False)


@pytest.mark.parametrize("value", ["1", "http://127.0.0.1:8288", "yes"])
def test_any_dev_setting_in_production_stops_start_up(value: str) -> None:
    environ = {"OOLVAY_ENV": "production", "INNGEST_DEV": value, **KEYS}

    with pytest.raises(ConfigError, match="OOLVAY_ENV=production"):
        read(environ, enabled=False)


@pytest.mark.parametrize("value", ["0", "false"])
def test_production_accepts_inngest_dev_0_or_false(value: str) -> None:
    environment = read({"OOLVAY_ENV": "production", "INNGEST_DEV": value, **KEYS})

    assert environment.mode is InngestMode.CLOUD


@pytest.mark.parametrize("missing", ["INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY"])
def test_cloud_mode_with_inngest_enabled_needs_both_keys(missing: str) -> None:
    environ = {name: value for name, value in KEYS.items() if name != missing}

    with pytest.raises(
        ConfigError, match=f"{missing}: not set while Inngest is enabled in cloud mode"
    ):
        read(environ)


def test_missing_keys_are_fine_when_inngest_is_disabled_or_in_dev_mode() -> None:
    assert read({}, enabled=False).mode is InngestMode.CLOUD
    assert read({"INNGEST_DEV": "1"}).mode is InngestMode.DEV


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        read({"INNGEST_BASE_URL": "inn gs"})

    message = str(caught.value)
    assert "INNGEST_EVENT_KEY: not set" in message
    assert "INNGEST_SIGNING_KEY: not set" in message
    assert "INNGEST_BASE_URL: 'inn gs' is not an http(s) URL" in message


@pytest.mark.parametrize("name", ["INNGEST_SIGNING_KEY", "INNGEST_SIGNING_KEY_FALLBACK"])
def test_a_signing_key_must_look_like_one(name: str) -> None:
    environ = {**KEYS, name: "signkey-prod-not-hex"}

    with pytest.raises(ConfigError, match=f"{name}: not an Inngest signing key"):
        read(environ)


def test_a_fallback_key_needs_a_current_key() -> None:
    environ = {"INNGEST_DEV": "1", "INNGEST_SIGNING_KEY_FALLBACK": SIGNING_KEY}

    with pytest.raises(ConfigError, match="FALLBACK: set without INNGEST_SIGNING_KEY"):
        read(environ)


def test_a_base_url_points_cloud_mode_at_a_self_hosted_inngest() -> None:
    environment = read({**KEYS, "INNGEST_BASE_URL": "https://inngest.internal/"})

    assert environment.mode is InngestMode.CLOUD
    assert environment.api_base_url == environment.event_api_base_url == "https://inngest.internal"


def test_keys_are_not_shown_in_repr() -> None:
    environment = read(KEYS)

    assert SIGNING_KEY not in repr(environment)
    assert "event-key" not in repr(environment)


def test_the_container_checks_at_start_up_not_on_first_use() -> None:
    settings = load_settings({"OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true"})

    with pytest.raises(ConfigError, match="INNGEST_SIGNING_KEY: not set"):
        build_container(settings)


def test_the_client_is_built_as_decided() -> None:
    environ = {
        **KEYS,
        "INNGEST_BASE_URL": "http://127.0.0.1:9",
        "INNGEST_SIGNING_KEY_FALLBACK": SIGNING_KEY.replace("ab", "cd"),
    }
    container = build_container(load_settings(environ))

    client = container.inngest_client()

    assert client.is_production is True
    assert client.event_api_origin == "http://127.0.0.1:9"
    assert client.signing_key == SIGNING_KEY
    assert client.signing_key_fallback == environ["INNGEST_SIGNING_KEY_FALLBACK"]


@pytest.mark.parametrize(
    "key",
    [
        "signkey-test-3f9a1c0be4d27e8856a0c3b9d1f47e2a6c5b8d0e9f1a2b3c4d5e6f708192a3b4",
        "signkey-prod-" + "ab" * 32,
        "signkey-prod-0123abcd",
    ],
)
def test_a_signing_key_that_looks_like_a_test_value_is_refused_in_production(key: str) -> None:
    environ = {"OOLVAY_ENV": "production", **KEYS, "INNGEST_SIGNING_KEY": key}

    with pytest.raises(ConfigError, match="looks like a test or example value"):
        read(environ)


def test_outside_production_a_test_signing_key_is_only_a_warning() -> None:
    test_key = "signkey-test-" + "5a" * 32
    problems = inngest_problems(
        load_settings({**KEYS, "INNGEST_SIGNING_KEY": test_key}).deployment, enabled=True
    )

    assert [(p.setting, p.severity) for p in problems] == [
        ("INNGEST_SIGNING_KEY", Severity.WARNING)
    ]
    assert read({**KEYS, "INNGEST_SIGNING_KEY": test_key}).signing_key == test_key
