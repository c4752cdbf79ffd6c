"""The timing settings: how long a Slack call may take, how often the clock runs."""

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
