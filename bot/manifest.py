"""The Slack app manifest (manifest.yaml), for Socket Mode or with HTTP request URLs."""

from __future__ import annotations

from typing import Any

import yaml

from bot.resources import bundled

MANIFEST_PATH = bundled("manifest.yaml")


# Sent when a workspace removes the app or revokes its token (they need no scope): its
# installation is deleted and its scheduled work stops (bot/workspaces.py).
LEAVING_EVENTS = ("app_uninstalled", "tokens_revoked")


def manifest(url: str | None = None) -> dict[str, Any]:
    """The manifest; with ``url`` every request goes to ``{url}/slack/events`` (HTTP mode), and
    installing the app from other workspaces returns to ``{url}/slack/oauth_redirect``."""
    data: dict[str, Any] = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    if url:
        base = url.rstrip("/")
        endpoint = base + "/slack/events"
        settings = data["settings"]
        settings["socket_mode_enabled"] = False
        settings["event_subscriptions"]["request_url"] = endpoint
        settings["event_subscriptions"]["bot_events"] += LEAVING_EVENTS
        settings["interactivity"]["request_url"] = endpoint
        for command in data["features"]["slash_commands"]:
            command["url"] = endpoint
        data["oauth_config"]["redirect_urls"] = [base + "/slack/oauth_redirect"]
    return data


def bot_scopes() -> list[str]:
    """The bot scopes the app asks for when installed (the manifest's)."""
    return list(manifest()["oauth_config"]["scopes"]["bot"])


def manifest_yaml(url: str | None = None) -> str:
    return yaml.safe_dump(manifest(url), sort_keys=False, allow_unicode=True)
