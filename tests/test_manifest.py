"""The app manifest: one step to create the app, in Socket Mode or HTTP mode."""

from __future__ import annotations

from bot.manifest import manifest


def test_socket_mode_manifest_lets_people_write_to_the_app() -> None:
    data = manifest()
    home = data["features"]["app_home"]
    assert home["messages_tab_enabled"] is True and home["messages_tab_read_only_enabled"] is False
    assert data["features"]["slash_commands"][0]["should_escape"] is True
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened",
        "message.im",
        "message.channels",  # replies in discussion threads, public and private channels
        "message.groups",
    }
    assert {"im:history", "chat:write", "commands", "files:write"} <= set(
        data["oauth_config"]["scopes"]["bot"]
    )
    # Looking for a post whose outcome is unknown reads the channel's or the DM's history.
    assert {"channels:history", "groups:history", "im:history"} <= set(
        data["oauth_config"]["scopes"]["bot"]
    )
    assert data["settings"]["socket_mode_enabled"] is True
    assert "url" not in data["features"]["slash_commands"][0]


def test_http_manifest_sends_everything_to_slack_events() -> None:
    data = manifest("https://cx.example.com/")
    endpoint = "https://cx.example.com/slack/events"
    assert data["settings"]["socket_mode_enabled"] is False
    assert data["settings"]["event_subscriptions"]["request_url"] == endpoint
    assert data["settings"]["interactivity"]["request_url"] == endpoint
    assert data["features"]["slash_commands"][0]["url"] == endpoint
