"""Form submissions: the start modal (validate every field, acknowledge, start the round) and
the last-day DM's new deadline."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.deps import Deps
from bot.flows.cadence import Cadence, parse_cadence
from bot.flows.slash import deadline_error, min_responses_error, min_responses_value
from bot.frameworks import LANGUAGES, Catalog
from bot.handlers.acks import answer_on_ack
from bot.handlers.report import answer_in_dm, caller_today, team_of, tell_failure
from bot.i18n import language_of, t
from bot.render.blocks import read_id
from bot.render.blocks.actions_plan import recurring_started_text
from bot.render.blocks.modals import START_MODAL
from bot.render.blocks.nudges import MORE_TIME_MODAL
from bot.render.dialogue import local_deadline
from bot.rounds import Refusal
from bot.slack_api import SlackCallFailed, SlackUser

log = logging.getLogger(__name__)

_USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")


@dataclass(frozen=True)
class StartForm:
    """The modal's values, each checked (the form's own limits are not trusted)."""

    framework_id: str
    users: tuple[str, ...]
    deadline: date | None
    min_responses: int | None
    lang: str
    every: Cadence | None = None


def read_form(values: dict[str, Any], catalog: Catalog, today: date) -> StartForm | dict[str, str]:
    """The form, or an error text per block id, in the form's language (English if forged)."""

    def value(block: str, key: str) -> Any:
        element = (values.get(block) or {}).get("value")
        return element.get(key) if isinstance(element, dict) else None

    def option(block: str) -> Any:
        selected = value(block, "selected_option")
        return selected.get("value") if isinstance(selected, dict) else None

    errors: dict[str, str] = {}
    lang = option("lang")
    if lang not in LANGUAGES:
        lang = "en"
        errors["lang"] = t(lang, "slash_bad_lang", value=str(lang)[:10])
    framework = option("framework")
    if not isinstance(framework, str) or framework not in catalog:
        known = ", ".join(f.id for f in catalog)
        errors["framework"] = t(lang, "unknown_framework", fid=str(framework)[:40], known=known)
    users = value("participants", "selected_users") or []
    if not isinstance(users, list) or not all(
        isinstance(u, str) and _USER_ID.fullmatch(u) for u in users
    ):
        errors["participants"] = t(lang, "slash_bad_mention", word=str(users)[:40])
    day: date | None = None
    if raw_day := value("deadline", "selected_date"):
        try:
            day = date.fromisoformat(str(raw_day))
        except ValueError:
            errors["deadline"] = t(lang, "slash_bad_deadline", value=str(raw_day)[:40])
        else:
            if problem := deadline_error(day, today):
                errors["deadline"] = t(lang, problem.key, **problem.params)
    minimum: int | None = None
    if (raw_min := value("min_responses", "value")) not in (None, ""):
        minimum = min_responses_value(str(raw_min))
        if minimum is None:
            problem = min_responses_error(str(raw_min))
            errors["min_responses"] = t(lang, problem.key, **problem.params)
    every: Cadence | None = None
    if raw_every := str(value("every", "value") or "").strip():
        every = parse_cadence(raw_every)
        if every is None:
            errors["every"] = t(lang, "slash_bad_every", value=raw_every[:40])
    if errors:
        return errors
    return StartForm(str(framework), tuple(users), day, minimum, lang, every)


def register(app: AsyncApp, deps: Deps) -> None:
    """Register the view-submission listener."""

    async def on_submit(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        user_id, team_id = body["user"]["id"], team_of(context)
        known, today = await caller_today(deps, user_id)  # the day the lead's picker shows
        form = read_form(view["state"]["values"], deps.catalog, today)
        if isinstance(form, StartForm) and form.users:  # none: the whole channel, told after
            # too few people for any area to be shown: said here, before anyone is invited
            least = deps.rounds.minimum(form.min_responses)
            if sum(1 for user in form.users if user != user_id) < least:
                form = {"participants": t(form.lang, "modal_too_few", min=least)}
        if not isinstance(form, StartForm):
            await ack(response_action="errors", errors=form)
            return
        await ack()
        channel = str(view.get("private_metadata") or "")
        lang = form.lang
        try:
            caller = known or await deps.slack.user(user_id)
            if user_id not in await deps.slack.members(channel):  # the form's channel is forged
                raise Refusal("start_not_in_channel", channel=f"<#{channel}>")
            started, fan_out = await deps.rounds.start(
                team_id=team_id,
                channel_id=channel,
                starter=caller,
                framework_id=form.framework_id,
                users=form.users,
                deadline=form.deadline,
                lang=lang,
                min_responses=form.min_responses,
                every=form.every,
            )
            said = language_of(caller.locale)
            recurring = ""
            if form.every:
                schedule = await deps.plan.set_schedule(started, form.every, form.users, caller)
                recurring = recurring_started_text(schedule, started, form.deadline, said)
            text = await deps.rounds.start_reply(started, fan_out, caller, said, recurring)
        except Refusal as refusal:
            text = refusal.text(lang)
        except SlackCallFailed as exc:
            text = t(lang, "slack_failed", method=exc.method, error=exc.error)
        try:
            await deps.slack.ephemeral(channel, user_id, text)
        except SlackCallFailed:  # e.g. the bot is not in the channel: tell the lead by DM
            await deps.slack.post_dm(user_id, text)

    async def on_more_time(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        """The lead's new deadline from the last-day DM's form: checked in the form (it stays
        open with what is wrong), then moved as `/cx-assess deadline` moves it."""
        user_id, team_id = body["user"]["id"], team_of(context)
        number, _, form_lang = str(view.get("private_metadata") or "").partition("|")
        lang = language_of(form_lang)  # the form's own language
        element = (view["state"]["values"].get("due") or {}).get("value") or {}
        picked = str(element.get("selected_date"))
        try:
            caller = await deps.slack.user(user_id)
            try:
                round_id = read_id(number)
            except ValueError:  # forged: the app always sets it
                raise Refusal("no_open_round") from None
            round_ = await deps.rounds.led_round(round_id, team_id, caller)
            try:
                day = date.fromisoformat(picked)
            except ValueError:  # none picked (the picker is required: forged), or not a date
                raise Refusal("form_no_date") from None
            await deps.rounds.new_deadline(round_, day, caller)
        except Refusal as refusal:
            await ack(response_action="errors", errors={"due": refusal.text(lang)})
            return
        except SlackCallFailed as exc:
            await ack()
            log.error("new deadline from %s failed: %s", user_id, exc)
            await tell_failure(deps, user_id)
            return
        await ack()

        async def extend(caller: SlackUser, lang: str) -> str:
            closes = await deps.rounds.extend(round_, day, caller)
            return t(lang, "deadline_moved_ok", deadline=local_deadline(closes, caller.tz, lang))

        await answer_in_dm(deps, user_id, "new deadline", extend)

    app.view(START_MODAL)(answer_on_ack(on_submit))
    app.view(MORE_TIME_MODAL)(answer_on_ack(on_more_time))
