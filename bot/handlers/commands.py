"""``/cx-assess``: acknowledge at once, then parse, call the round service and answer the caller."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.models.blocks import Block

from bot.delphi import as_it_stands
from bot.deps import Deps
from bot.flows.slash import LEAD_ONLY, SlashCommand, SlashError, Sub, parse_slash
from bot.handlers.acks import answer_on_ack
from bot.i18n import language_of, t
from bot.model import RoundStatus
from bot.render.blocks import MAX_MESSAGE_BLOCKS, nudges, to_dicts
from bot.render.blocks.actions_plan import next_run_text, recurring_started_text
from bot.render.blocks.discussion import discussion_counts
from bot.render.blocks.modals import start_modal
from bot.render.blocks.summary import summary_blocks, summary_text
from bot.render.dialogue import local_deadline
from bot.rounds import Refusal, WouldWithhold
from bot.slack_api import SlackCallFailed, SlackUser

log = logging.getLogger(__name__)

MODAL_LOCALE_WAIT = 1.0  # seconds; the trigger to open the modal expires after 3


@dataclass(frozen=True)
class Reply:
    """What the caller sees (ephemeral)."""

    text: str
    blocks: list[Block] | None = None


def register(app: AsyncApp, deps: Deps) -> None:
    """Register the slash command listener."""

    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        parsed = parse_slash(command.get("text") or "")
        if isinstance(parsed, SlashCommand) and parsed.sub is Sub.START and not parsed.framework:
            await _open_start_modal(deps, command)
            return
        try:
            caller = await deps.slack.user(command["user_id"])
        except SlackCallFailed as exc:
            await respond(text=t("en", "slack_failed", method=exc.method, error=exc.error))
            return
        lang = language_of(caller.locale)
        if isinstance(parsed, SlashError):
            usage = t(lang, "usage")
            await respond(text=f"{t(lang, parsed.key, **parsed.params)}\n\n{usage}")
            return
        try:
            reply = await _run(deps, parsed, command, caller, lang)
        except WouldWithhold as warning:
            message = nudges.withhold_warning(
                warning.round_id, warning.areas, warning.overall, warning.everyone_done, lang
            )
            await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
            return
        except Refusal as refusal:
            reply = Reply(refusal.text(lang))
        except SlackCallFailed as exc:
            reply = Reply(t(lang, "slack_failed", method=exc.method, error=exc.error))
        except Exception:
            log.exception("/cx-assess %s failed", parsed.sub.value)
            reply = Reply(t(lang, "unexpected_error"))
        blocks = to_dicts(reply.blocks) if reply.blocks else None
        await respond(text=reply.text, blocks=blocks, response_type="ephemeral")

    app.command("/cx-assess")(answer_on_ack(on_command))


async def _open_start_modal(deps: Deps, command: dict[str, Any]) -> None:
    """Open the start form in the caller's language if Slack says it quickly, else English."""
    try:
        caller = await asyncio.wait_for(deps.slack.user(command["user_id"]), MODAL_LOCALE_WAIT)
        lang = language_of(caller.locale)
    except (TimeoutError, SlackCallFailed):
        lang = "en"
    earlier = await deps.store.rounds_in_channel(command["team_id"], command["channel_id"])
    last = earlier[0].framework.id if earlier else None
    modal = start_modal(deps.catalog, lang, channel_id=command["channel_id"], last_framework=last)
    await deps.slack.open_view(command["trigger_id"], modal)


async def _run(
    deps: Deps, cmd: SlashCommand, command: dict[str, Any], caller: SlackUser, lang: str
) -> Reply:
    team, channel = command["team_id"], command["channel_id"]
    rounds = deps.rounds
    if cmd.sub is Sub.HELP:
        return Reply(t(lang, "usage"))
    if cmd.sub is Sub.FRAMEWORKS:
        return Reply(rounds.framework_list(lang))
    if cmd.sub is Sub.HISTORY:
        return Reply(await rounds.history(team, channel, lang))
    if cmd.sub is Sub.ACTIONS:
        return Reply(await deps.plan.channel_list(team, channel, lang))
    if cmd.sub is Sub.SCHEDULE:
        return Reply(*await deps.plan.describe_schedule(team, channel, lang))
    if cmd.sub is Sub.START:
        assert cmd.framework is not None
        started, fan_out = await rounds.start(
            team_id=team,
            channel_id=channel,
            starter=caller,
            framework_id=cmd.framework,
            users=cmd.users,
            deadline=cmd.deadline,
            lang=cmd.lang,
            min_responses=cmd.min_responses,
            every=cmd.every,
        )
        recurring = ""
        if cmd.every:
            schedule = await deps.plan.set_schedule(started, cmd.every, cmd.users, caller)
            recurring = recurring_started_text(schedule, started, cmd.deadline, lang)
        return Reply(await rounds.start_reply(started, fan_out, caller, lang, recurring))
    if cmd.sub is Sub.FOLLOWUP:
        followup, fan_out = await deps.followups.start_latest(team, channel, caller)
        return Reply(deps.followups.started_text(followup, fan_out, lang))
    if cmd.sub in (Sub.RESULTS, Sub.EXPORT):
        round_ = await rounds.latest_round(team, channel)
        if cmd.sub is Sub.EXPORT or round_.status is RoundStatus.OPEN:
            await rounds.authorize(round_, caller)
        await rounds.only_after_close(round_)
        if round_.followup_of is None:
            first, report, answers = round_, await rounds.analyse(round_), None
        else:  # the whole round as it stands, never the follow-up's re-asked areas alone
            first, report, answers = await deps.followups.whole(round_)
        if cmd.sub is Sub.EXPORT:
            await rounds.discussions.export(first, report, caller.id)
            await rounds.export(first, report, caller.id, answers)
            await deps.plan.export(first, caller.id)
            return Reply(t(lang, "exported"))
        if round_.followup_of is None:
            text, blocks = (
                summary_text(report, lang),
                summary_blocks(report, lang, round_id=first.id),
            )
        else:
            text, blocks = as_it_stands(first, report, lang)
        threads = await rounds.discussions.threads(first.id)
        counts = discussion_counts(threads, first.framework, lang)
        if counts is not None and len(blocks) < MAX_MESSAGE_BLOCKS:
            blocks.insert(-1, counts)  # above the footer
        return Reply(text, blocks)
    round_ = await rounds.open_round(team, channel)
    if cmd.sub in LEAD_ONLY:
        await rounds.authorize(round_, caller)
    if cmd.sub is Sub.STATUS:
        return Reply(await rounds.status(round_, lang, caller.tz))
    if cmd.sub is Sub.REMIND:
        return Reply(nudges.reminded(await rounds.remind(round_), lang))
    if cmd.sub is Sub.CLOSE:
        await rounds.close(round_, force=cmd.anyway)
        return Reply(t(lang, "closed_ok"))
    if cmd.sub is Sub.DEADLINE:
        assert cmd.deadline is not None
        closes = await rounds.extend(round_, cmd.deadline, caller)
        return Reply(t(lang, "deadline_moved_ok", deadline=local_deadline(closes, caller.tz, lang)))
    assert cmd.sub is Sub.CANCEL
    await rounds.cancel(round_)
    lines = [t(lang, "cancelled_ok")]
    upcoming = await deps.store.schedule(team, channel)
    if upcoming is not None:  # this run is canceled, not the schedule: say when the next one is
        lines.append(next_run_text(upcoming, lang))
    return Reply("\n".join(lines))
