"""Events: typed replies in the DM (and edits or deletions of comments there), replies in
discussion threads in channels, and App Home
(every other event gets a 200 in `bot.app`)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps
from bot.handlers.acks import answer_on_ack
from bot.handlers.middleware import (
    apply_typed,
    give_up,
    is_typed_reply,
    request_key,
    revision,
)
from bot.handlers.report import team_of, tell_failure

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    """Register the event listeners; the last one answers every event nobody else wants."""

    async def on_message(
        body: dict[str, Any], event: dict[str, Any], context: dict[str, Any]
    ) -> None:
        if event.get("channel_type") in ("channel", "group"):  # a discussion thread, maybe
            await deps.rounds.discussions.note(team_of(context), event, context.get("bot_user_id"))
            return
        bot_user_id = context.get("bot_user_id")
        revised = revision(event, bot_user_id)
        if not is_typed_reply(event, bot_user_id) and revised is None:
            return  # other edits and deletions, joins and bots' messages need no answer
        user = revised.user if revised else event["user"]
        key = request_key(body) or f"message:{event['channel']}:{event.get('ts')}"
        try:
            await apply_typed(deps, key, event)
        except Exception:
            log.exception("typed answer from %s failed", user)
            await give_up(deps, key)
            await tell_failure(deps, user)

    async def on_home_opened(event: dict[str, Any], context: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home":
            await deps.home.publish(context["team_id"], event["user"])

    app.event("message")(answer_on_ack(on_message))
    app.event("app_home_opened")(answer_on_ack(on_home_opened))
