"""Events: typed replies in the DM, App Home, and a quiet 200 for every other event."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    """Register the event listeners; the last one answers every event nobody else wants."""

    async def on_message(event: dict[str, Any], context: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return  # edits, deletions, joins and bots' messages need no answer
        if event.get("user") in (None, context.get("bot_user_id")):
            return
        await deps.dialogues.handle_text(
            event["user"], event["channel"], event.get("text") or "", event.get("thread_ts")
        )

    async def on_home_opened(event: dict[str, Any], context: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            await deps.home.publish(context["team_id"], event["user"])

    async def on_anything_else() -> None:
        """Acknowledged with 200 so that Slack does not retry events the app ignores."""

    app.event("message")(on_message)
    app.event("app_home_opened")(on_home_opened)
    app.event(re.compile(".*"))(on_anything_else)
