"""The timing settings (how long a Slack call may take, how often the clock runs) and the
bounds of the other settings."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings


def test_timing_defaults_and_overrides() -> None:
    assert (Settings.from_env({}).slack_timeout, Settings.from_env({}).tick_seconds) == (30, 60.0)
    env = {"CX_ASSESS_SLACK_TIMEOUT": "5", "CX_ASSESS_TICK_SECONDS": "0.5"}
    settings = Settings.from_env(env)
    assert (settings.slack_timeout, settings.tick_seconds) == (5, 0.5)


@pytest.mark.parametrize(
    "env",
    [
        {"CX_ASSESS_SLACK_TIMEOUT": "0"},
        {"CX_ASSESS_SLACK_TIMEOUT": "1.5"},
        {"CX_ASSESS_TICK_SECONDS": "0"},
        {"CX_ASSESS_TICK_SECONDS": "nan"},
        {"CX_ASSESS_TICK_SECONDS": "inf"},
        {"CX_ASSESS_TICK_SECONDS": "soon"},
    ],
)
def test_timing_settings_that_cannot_work_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Settings.from_env(env)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CX_ASSESS_MIN_RESPONSES": "2"}, "CX_ASSESS_MIN_RESPONSES must be at least 3, got 2"),
        ({"CX_ASSESS_MIN_RESPONSES": "51"}, "CX_ASSESS_MIN_RESPONSES must be at most 50, got 51"),
        (
            {"LOG_LEVEL": "verbose"},
            "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'VERBOSE'",
        ),
    ],
)
def test_a_minimum_or_log_level_out_of_range_is_refused_saying_what_is_allowed(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)
    assert str(refused.value) == message
    assert Settings.from_env({"CX_ASSESS_MIN_RESPONSES": "50", "LOG_LEVEL": "debug"}).log_level == (
        "DEBUG"
    )
