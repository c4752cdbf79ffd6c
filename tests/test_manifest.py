"""The app manifest: one step to create the app, in Socket Mode or HTTP mode."""

from __future__ import annotations

import re
from pathlib import Path

from bot import slack_api
from bot.manifest import bot_scopes, manifest


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


# The bot scopes each Web API method the app calls needs (docs.slack.dev/reference/methods);
# ``conversations.*`` on public channels, private channels and (history) DMs.
METHOD_SCOPES = {
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.getPermalink": set(),  # no scope (Slack: "No scope required")
    "conversations.history": {"channels:history", "groups:history", "im:history"},
    "conversations.members": {"channels:read", "groups:read"},
    "conversations.open": {"im:write"},
    "files.upload_v2": {"files:write"},
    "users.info": {"users:read"},
    "users.list": {"users:read"},
    "views.open": set(),
    "views.publish": set(),
}
# The scope each subscribed event needs; a slash command needs ``commands``.
EVENT_SCOPES = {
    "app_home_opened": set(),
    "app_uninstalled": set(),
    "message.channels": {"channels:history"},
    "message.groups": {"groups:history"},
    "message.im": {"im:history"},
    "tokens_revoked": set(),
}


def test_manifest_asks_for_exactly_the_scopes_the_code_uses() -> None:
    called = set(re.findall(r'_call\(\s*"([\w.]+)"', Path(slack_api.__file__).read_text()))
    assert called == set(METHOD_SCOPES)  # a new method: add its scopes here and in manifest.yaml
    data = manifest("https://cx.example.com")
    events = data["settings"]["event_subscriptions"]["bot_events"]
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in called))
    needed |= set().union(*(EVENT_SCOPES[e] for e in events))
    assert set(data["oauth_config"]["scopes"]["bot"]) == needed
    assert bot_scopes() == data["oauth_config"]["scopes"]["bot"]  # what OAuth installs ask for


def test_distribution_manifest_has_the_oauth_redirect_and_the_leaving_events() -> None:
    data = manifest("https://cx.example.com/")
    assert data["oauth_config"]["redirect_urls"] == ["https://cx.example.com/slack/oauth_redirect"]
    events = data["settings"]["event_subscriptions"]["bot_events"]
    assert {"app_uninstalled", "tokens_revoked"} <= set(events)
    assert "redirect_urls" not in manifest()["oauth_config"]  # Socket Mode: one workspace
