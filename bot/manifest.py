"""The Slack app manifest (manifest.yaml), for Socket Mode or with HTTP request URLs."""

from __future__ import annotations

from typing import Any

import yaml

from bot.resources import bundled

MANIFEST_PATH = bundled("manifest.yaml")


def manifest(url: str | None = None) -> dict[str, Any]:
    """The manifest; with ``url`` every request goes to ``{url}/slack/events`` (HTTP mode)."""
    data: dict[str, Any] = yaml.safe_load(MANIFEST_PATH.read_text(encoding="utf-8"))
    if url:
        endpoint = url.rstrip("/") + "/slack/events"
        settings = data["settings"]
        settings["socket_mode_enabled"] = False
        settings["event_subscriptions"]["request_url"] = endpoint
        settings["interactivity"]["request_url"] = endpoint
        for command in data["features"]["slash_commands"]:
            command["url"] = endpoint
    return data


def manifest_yaml(url: str | None = None) -> str:
    return yaml.safe_dump(manifest(url), sort_keys=False, allow_unicode=True)
