"""The start modal's submission: validate, acknowledge, start the round."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.deps import Deps
from bot.i18n import language_of, t
from bot.render.blocks.modals import START_MODAL
from bot.rounds import Refusal
from bot.slack_api import SlackCallFailed


def register(app: AsyncApp, deps: Deps) -> None:
    """Register the view-submission listener."""

    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        day = values["deadline"]["value"].get("selected_date")
        deadline = date.fromisoformat(day) if day else None
        lang = values["lang"]["value"]["selected_option"]["value"]
        minimum = (values.get("min_responses") or {}).get("value", {}).get("value")
        if deadline is not None and deadline < deps.rounds.clock().date():
            await ack(
                response_action="errors",
                errors={"deadline": t(lang, "deadline_past", deadline=day)},
            )
            return
        await ack()
        user_id, team_id = body["user"]["id"], body["user"]["team_id"]
        channel = view["private_metadata"]
        try:
            caller = await deps.slack.user(user_id)
            _, fan_out = await deps.rounds.start(
                team_id=team_id,
                channel_id=channel,
                starter=caller,
                framework_id=values["framework"]["value"]["selected_option"]["value"],
                users=values["participants"]["value"].get("selected_users") or [],
                deadline=deadline,
                lang=lang,
                min_responses=int(minimum) if minimum else None,
            )
            text = deps.rounds.fan_out_report(fan_out, language_of(caller.locale))
        except Refusal as refusal:
            text = refusal.text(lang)
        except SlackCallFailed as exc:
            text = t(lang, "slack_failed", method=exc.method, error=exc.error)
        try:
            await deps.slack.ephemeral(channel, user_id, text)
        except SlackCallFailed:  # e.g. the bot is not in the channel: tell the lead by DM
            await deps.slack.post_dm(user_id, text)

    app.view(START_MODAL)(on_submit)
