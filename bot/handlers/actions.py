"""Buttons: the DM dialogue's answers and navigation, and the lead's buttons on App Home."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.deps import Deps
from bot.dialogues import NotYourDialogue, Origin
from bot.i18n import language_of, t
from bot.render.blocks.dialogue import read_action
from bot.render.blocks.home import HOME_CLOSE, HOME_REMIND
from bot.rounds import Refusal
from bot.store import RoundStatus

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    """Register the dialogue's block-action listener."""

    async def on_dialogue_action(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        parsed = read_action(action["action_id"], action.get("value", ""))
        user_id = body["user"]["id"]
        if parsed is None:
            log.warning("ignored a malformed %s action from %s", action["action_id"], user_id)
            return
        round_id, event = parsed
        container = body.get("container") or {}
        origin = None
        if container.get("channel_id") and container.get("message_ts"):
            origin = Origin(container["channel_id"], container["message_ts"])
        try:
            await deps.dialogues.handle(round_id, user_id, event, origin)
        except NotYourDialogue:
            log.warning(
                "refused %s from %s: not in round %s", action["action_id"], user_id, round_id
            )

    async def on_home_lead_action(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        user_id, team_id = body["user"]["id"], body["user"]["team_id"]
        round_ = await deps.store.get_round(int(action.get("value") or 0))
        caller = await deps.slack.user(user_id)
        lang = language_of(caller.locale)
        try:
            if round_ is None or round_.team_id != team_id or round_.status is not RoundStatus.OPEN:
                raise Refusal("no_open_round")
            await deps.rounds.authorize(round_, caller)
            if action["action_id"] == HOME_REMIND:
                text = t(lang, "reminded", count=await deps.rounds.remind(round_))
            else:
                await deps.rounds.close(round_)
                text = t(lang, "closed_ok")
        except Refusal as refusal:
            text = refusal.text(lang)
        await deps.slack.post(await deps.slack.open_dm(user_id), text)
        await deps.home.publish(team_id, user_id)

    app.action(re.compile(r"^cx_(start|decline|answer_\d+|not_sure|skip|back|change_.+|finish)$"))(
        on_dialogue_action
    )
    app.action(re.compile(f"^({HOME_REMIND}|{HOME_CLOSE})$"))(on_home_lead_action)
