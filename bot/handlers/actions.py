"""Buttons: the DM dialogue's answers and navigation, and the lead's buttons on App Home."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.deps import Deps
from bot.dialogues import NotYourDialogue
from bot.handlers.acks import answer_on_ack
from bot.handlers.middleware import (
    DIALOGUE_ACTIONS,
    action_kind,
    apply_click,
    click_key,
    give_up,
    kept_click,
)
from bot.handlers.report import answer_in_dm, team_of, tell_failure
from bot.i18n import language_of, t
from bot.render.blocks import nudges, read_id
from bot.render.blocks.dialogue import Action, decode, read_details
from bot.render.blocks.home import HOME_CLOSE, HOME_REMIND
from bot.rounds import Refusal, WouldWithhold
from bot.schedule import local_time
from bot.slack_api import SlackCallFailed, SlackUser

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: Deps) -> None:
    """Register the block-action listeners."""

    async def on_dialogue_action(
        ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]
    ) -> None:
        await ack()  # the click is kept (`bot.handlers.middleware`): applied even after a crash
        key, user_id = click_key(body), body["user"]["id"]
        try:
            await apply_click(deps, key, kept_click(body, context.get("team_id")))
        except Exception:
            log.exception(
                "%s from %s failed", action_kind(body["actions"][0]["action_id"]), user_id
            )
            await give_up(deps, key)
            await tell_failure(deps, user_id)

    async def on_details(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user_id = body["user"]["id"]
        where = read_details(action.get("value", ""))
        try:
            if where is None:
                log.warning("ignored a malformed %s from %s", action["action_id"], user_id)
            else:
                await deps.dialogues.details(where[0], user_id, where[1], body["trigger_id"])
        except (NotYourDialogue, KeyError):
            log.warning("refused %s from %s: not in that round", action["action_id"], user_id)
        except SlackCallFailed as exc:
            log.warning("details for %s not shown: %s", user_id, exc.error)

    async def on_home_lead_action(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> None:
        await ack()
        user_id, team_id = body["user"]["id"], team_of(context)
        try:
            caller = await deps.slack.user(user_id)
            lang = language_of(caller.locale)
            try:
                round_id, *seen = decode(str(action.get("value") or ""))
                round_ = await deps.rounds.led_round(read_id(round_id), team_id, caller)
                if action["action_id"] == HOME_REMIND:
                    text = nudges.reminded(await deps.rounds.remind(round_), lang)
                else:
                    await deps.rounds.close(
                        round_,
                        force=action["action_id"] == nudges.CLOSE_ANYWAY,
                        seen=seen if action["action_id"] == nudges.CLOSE_NOW else None,
                    )
                    text = t(lang, "closed_ok")
                await deps.slack.post_dm(user_id, text)
            except WouldWithhold as warning:
                message = nudges.withhold_warning(
                    warning.round_id, warning.areas, warning.overall, warning.everyone_done, lang
                )
                await deps.slack.post_dm(user_id, message.text, message.blocks)
            except Refusal as refusal:
                await deps.slack.post_dm(user_id, refusal.text(lang))
        except (SlackCallFailed, ValueError) as exc:
            log.error("home action %s from %s failed: %s", action["action_id"], user_id, exc)
            await tell_failure(deps, user_id)
            return
        await deps.home.refresh(team_id, user_id)

    async def on_more_time(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> None:
        await ack()
        user_id, team_id = body["user"]["id"], team_of(context)

        async def open_form(caller: SlackUser, lang: str) -> None:
            round_id = read_id(str(action.get("value") or ""))
            round_ = await deps.rounds.led_round(round_id, team_id, caller)
            mine = caller.id == round_.started_by
            lead = caller if mine else await deps.slack.user(round_.started_by)
            today = local_time(deps.rounds.clock(), lead.tz).date()  # the deadline is in its zone
            latest = await deps.rounds.latest_day(round_, lead.tz)
            form = nudges.more_time_modal(
                round_, lang, today, lead.tz, latest, None if mine else lead.id
            )
            await deps.slack.open_view(body["trigger_id"], form)

        await answer_in_dm(deps, user_id, "more time", open_form)

    async def on_snooze(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        user_id = body["user"]["id"]

        async def snooze(person: SlackUser, lang: str) -> None:
            taken = await deps.rounds.snooze(  # a Refusal: the round is over (or not theirs)
                read_id(str(action.get("value") or "")),
                user_id,
                tomorrow=action["action_id"] == Action.SNOOZE_TOMORROW,
            )
            message = nudges.snoozed(taken, deps.rounds.clock(), person.tz, lang)
            await deps.slack.post_dm(user_id, message.text, message.blocks)

        await answer_in_dm(deps, user_id, "snooze", snooze)

    app.action(DIALOGUE_ACTIONS)(answer_on_ack(on_dialogue_action))
    app.action(Action.DETAILS)(answer_on_ack(on_details))
    app.action(
        re.compile(f"^({HOME_REMIND}|{HOME_CLOSE}|{nudges.CLOSE_NOW}|{nudges.CLOSE_ANYWAY})$")
    )(answer_on_ack(on_home_lead_action))
    app.action(nudges.MORE_TIME)(answer_on_ack(on_more_time))
    app.action(re.compile(f"^({Action.SNOOZE_HOUR}|{Action.SNOOZE_TOMORROW})$"))(
        answer_on_ack(on_snooze)
    )
