from pathlib import Path

import pytest

from oolvay.settings import ConfigError, load_settings

REPO_CONFIG = Path(__file__).parents[3] / "config" / "site.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text)
    return path


def test_the_shipped_config_loads_with_inngest_off_and_three_retries() -> None:
    settings = load_settings({}, REPO_CONFIG)

    assert settings.site.background_jobs.inngest.enabled is False
    assert settings.site.background_jobs.inngest.retries == 3
    assert settings.site.notifications.batch_size == 100


def test_defaults_apply_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    settings = load_settings({})

    assert settings.site.background_jobs.inngest.retries == 3
    assert settings.config_path is None


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[background_jobs.inngest]\nenabled = false\nretries = 3\n")

    settings = load_settings(
        {
            "OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "true",
            "OOLVAY_BACKGROUND_JOBS__INNGEST__RETRIES": "5",
        },
        path,
    )

    assert settings.site.background_jobs.inngest.enabled is True
    assert settings.site.background_jobs.inngest.retries == 5


@pytest.mark.parametrize("value", ["21", "-1", "3.5", "true", '"3"'])
def test_retries_must_be_a_whole_number_from_0_to_20(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f"[background_jobs.inngest]\nretries = {value}\n")

    with pytest.raises(ConfigError) as caught:
        load_settings({}, path)

    message = str(caught.value)
    assert str(path) in message
    assert "background_jobs.inngest.retries" in message


def test_a_bad_override_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED"):
        load_settings({"OOLVAY_BACKGROUND_JOBS__INNGEST__ENABLED": "perhaps"}, write(tmp_path, ""))


def test_unknown_keys_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[background_jobs.inngest]\nenabeld = true\n")

    with pytest.raises(ConfigError, match=r"background_jobs\.inngest\.enabeld: unknown setting"):
        load_settings({}, path)


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[background_jobs\n")

    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({}, path)


def test_a_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings({"OOLVAY_CONFIG": str(tmp_path / "nope.toml")})


def test_an_unknown_environment_name_is_an_error() -> None:
    with pytest.raises(ConfigError, match="OOLVAY_ENV"):
        load_settings({"OOLVAY_ENV": "staging"}, REPO_CONFIG)


def test_the_test_suites_own_variables_are_not_settings() -> None:
    settings = load_settings(
        {
            "OOLVAY_TEST_POSTGRES_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
            "OOLVAY_REQUIRE_POSTGRES": "1",
        }
    )

    assert settings.site.notifications.batch_size == 100


@pytest.mark.parametrize("value", ["1", "0", '"true"', "2"])
def test_a_switch_takes_only_true_or_false(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, f"[background_jobs.inngest]\nenabled = {value}\n")

    with pytest.raises(ConfigError, match=r"enabled: expected true or false"):
        load_settings({}, path)


def test_an_override_with_a_typo_in_its_section_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"OOLVAY_NOTIFICATION__BATCH_SIZE": "5"}, write(tmp_path, ""))

    message = str(caught.value)
    assert "environment variable OOLVAY_NOTIFICATION__BATCH_SIZE: notification" in message
    assert str(tmp_path) not in message
    assert "did you mean OOLVAY_NOTIFICATIONS__BATCH_SIZE?" in message


def test_an_unknown_key_suggests_the_nearest_known_one(tmp_path: Path) -> None:
    path = write(tmp_path, "[notifications]\nbatch_sise = 5\n")

    with pytest.raises(ConfigError, match=r"did you mean notifications\.batch_size\?"):
        load_settings({}, path)


def test_a_key_far_from_every_known_one_gets_no_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "[notifications]\ncolour = 5\n")

    with pytest.raises(ConfigError) as caught:
        load_settings({}, path)

    assert "notifications.colour: unknown setting" in str(caught.value)
    assert "did you mean" not in str(caught.value)


def test_a_config_path_naming_a_directory_is_a_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory, not a config file"):
        load_settings({"OOLVAY_CONFIG": str(tmp_path)})


def test_the_claim_lease_is_bounded_so_that_dates_cannot_overflow(tmp_path: Path) -> None:
    path = write(tmp_path, "[notifications]\nclaim_lease_seconds = 100000000000000\n")

    with pytest.raises(ConfigError, match=r"claim_lease_seconds: Input should be less than"):
        load_settings({}, path)
