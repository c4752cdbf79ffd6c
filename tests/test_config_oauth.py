"""OAuth settings: both client credentials turn it on; it serves over HTTP only."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings
from bot.frameworks import load_catalog
from bot.server import serve


def test_oauth_needs_both_client_credentials_and_hides_the_secret() -> None:
    assert not Settings.from_env({"SLACK_CLIENT_ID": "1.2"}).oauth
    settings = Settings.from_env({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s3cr3t-value"})
    assert settings.oauth and "s3cr3t" not in repr(settings) and "1.2" in repr(settings)


@pytest.mark.parametrize(
    ("settings", "socket", "says"),
    [
        (Settings(slack_signing_secret="x"), False, "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"),
        (Settings(slack_client_id="1", slack_client_secret="s"), True, "needs HTTP mode"),
    ],
)
async def test_serve_refuses_settings_that_cannot_work(
    settings: Settings, socket: bool, says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        await serve(settings, load_catalog(), socket=socket, host="127.0.0.1", port=0)
