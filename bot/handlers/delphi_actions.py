"""The *Follow up on the disagreements* button: its round's lead starts the next iteration."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.deps import Deps
from bot.handlers.acks import answer_on_ack
from bot.handlers.plan_actions import _tell as tell
from bot.handlers.report import team_of
from bot.i18n import language_of
from bot.render.blocks.delphi import FOLLOW_UP
from bot.rounds import Refusal
from bot.slack_api import SlackCallFailed

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    """Register the follow-up button's listener."""

    async def on_follow_up(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> None:
        await ack()
        user_id, channel = body["user"]["id"], (body.get("channel") or {}).get("id")
        try:
            caller = await deps.slack.user(user_id)
            lang = language_of(caller.locale)
            round_ = await deps.store.get_round(int(action.get("value") or 0))
            try:
                if round_ is None or round_.team_id != team_of(context):
                    raise Refusal("followup_no_round")
                followup, fan_out = await deps.followups.start(round_, caller)
                text = deps.followups.started_text(followup, fan_out, lang)
            except Refusal as refusal:
                text = refusal.text(lang)
            await tell(deps, channel, user_id, text)
        except (SlackCallFailed, ValueError) as exc:
            log.error("follow-up from %s failed: %s", user_id, exc)

    app.action(FOLLOW_UP)(answer_on_ack(on_follow_up))
