"""The action plan's and schedules' buttons and forms: *Make it an action* (opens the form), the
form's submission, *Done*, *New date* (opens its form) and its submission, *Cancel schedule*."""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.deps import Deps
from bot.handlers.acks import answer_on_ack
from bot.handlers.report import answer_in_dm, caller_today, team_of, tell_failure
from bot.i18n import language_of, t
from bot.plan import MAX_WHAT, ActionForm, due_error
from bot.render.blocks import escape_mrkdwn, read_id
from bot.render.blocks.actions_plan import (
    ACTION_DONE,
    ACTION_MODAL,
    CANCEL_SCHEDULE,
    MAKE_ACTION,
    MOVE_ACTION,
    MOVE_MODAL,
    action_modal,
    move_modal,
    read_make,
)
from bot.rounds import Refusal
from bot.schedule import local_time
from bot.slack_api import SlackCallFailed, SlackUser

log = logging.getLogger(__name__)

_USER_ID = re.compile(r"[UW][A-Z0-9]{1,20}")


def read_action_form(values: dict[str, Any], today: date, lang: str) -> ActionForm | dict[str, str]:
    """The form, or an error text per block id (the form's own limits are not trusted)."""

    def value(block: str, key: str) -> Any:
        element = (values.get(block) or {}).get("value")
        return element.get(key) if isinstance(element, dict) else None

    errors: dict[str, str] = {}
    what = " ".join(str(value("what", "value") or "").split())
    if not 1 <= len(what) <= MAX_WHAT:
        errors["what"] = t(lang, "plan_bad_what", max=MAX_WHAT)
    owner = value("owner", "selected_user")
    if not isinstance(owner, str) or not _USER_ID.fullmatch(owner):
        errors["owner"] = t(lang, "plan_bad_owner")
    due = read_due(values, today)
    if isinstance(due, str):
        errors["due"] = t(lang, due)
    if errors:
        return errors
    assert isinstance(owner, str) and isinstance(due, date)
    return ActionForm(what, owner, due)


def read_due(values: dict[str, Any], today: date) -> date | str:
    """A form's due date, or the message key that says what is wrong with it."""
    element = (values.get("due") or {}).get("value")
    picked = element.get("selected_date") if isinstance(element, dict) else None
    try:
        due = date.fromisoformat(str(picked))
    except ValueError:  # no date picked ("None"), or not a date
        return "plan_bad_due"
    return due_error(due, today) or due


async def _tell(deps: Deps, channel: str | None, user_id: str, text: str) -> None:
    """An ephemeral note in ``channel``; in the person's DM when that cannot be."""
    try:
        if channel is None or channel.startswith("D"):
            raise SlackCallFailed("chat.postEphemeral", "not_a_channel")
        await deps.slack.ephemeral(channel, user_id, text)
    except SlackCallFailed:
        await deps.slack.post_dm(user_id, text)


def register(app: AsyncApp, deps: Deps) -> None:
    """Register the plan's listeners."""

    async def on_make(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> None:
        await ack()
        user_id, team_id = body["user"]["id"], team_of(context)
        channel = (body.get("container") or {}).get("channel_id")
        try:
            item = read_make(action.get("value") or "")
            if item is None:
                raise Refusal("plan_no_such_item")
            draft = await deps.plan.draft(item[0], item[1], team_id)
            modal = action_modal(
                draft.area_name, draft.suggestion, draft.round.lang, creator=user_id,
                today=deps.rounds.clock().date(), metadata=f"{item[0]}|{item[1]}", most=MAX_WHAT,
                role=draft.role, existing=draft.existing,
            )  # fmt: skip
            await deps.slack.open_view(body["trigger_id"], modal)
        except Refusal as refusal:
            lang = language_of((await deps.slack.user(user_id)).locale)
            await _tell(deps, channel, user_id, refusal.text(lang))
        except SlackCallFailed as exc:
            log.error("make-an-action from %s failed: %s", user_id, exc)
            await tell_failure(deps, user_id)

    async def on_submit(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        user_id, team_id = body["user"]["id"], team_of(context)
        item = read_make(view.get("private_metadata") or "")
        round_ = await deps.store.get_round(item[0]) if item else None
        lang = round_.lang if round_ else "en"  # the form's own language
        _, today = await caller_today(deps, user_id)
        form = read_action_form(view["state"]["values"], today, lang)
        if isinstance(form, ActionForm):  # the second Slack call before the acknowledgement
            try:
                if not (await deps.slack.user(form.owner)).is_human:
                    form = {"owner": t(lang, "plan_bad_owner")}
            except SlackCallFailed:
                form = {"owner": t(lang, "plan_bad_owner")}
        if item is None:  # forged: the app always sets it
            form = {"what": t(lang, "plan_no_such_item")}
        if not isinstance(form, ActionForm):
            await ack(response_action="errors", errors=form)
            return
        await ack()
        assert item is not None
        channel = None
        try:
            action = await deps.plan.create(
                team_id=team_id, creator=user_id, round_id=item[0], area_id=item[1], form=form
            )
            channel, text = action.channel_id, t(lang, "plan_saved")
        except Refusal as refusal:
            text = refusal.text(lang)
        except SlackCallFailed as exc:
            text = t(lang, "slack_failed", method=exc.method, error=exc.error)
        await _tell(deps, channel, user_id, text)

    async def on_done(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> None:
        await ack()
        user_id, team_id = body["user"]["id"], team_of(context)

        async def complete(caller: SlackUser, lang: str) -> str:
            done = await deps.plan.complete(
                read_id(str(action.get("value") or "")), team_id, caller
            )
            return t(lang, "plan_done_ok", what=done.what)

        if await answer_in_dm(deps, user_id, "done", complete):
            await deps.home.refresh(team_id, user_id)

    async def on_move(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> None:
        await ack()
        user_id, team_id = body["user"]["id"], team_of(context)

        async def open_form(caller: SlackUser, lang: str) -> None:
            action_id = read_id(str(action.get("value") or ""))
            changing = await deps.plan.changeable(action_id, team_id, caller, "plan_not_yours_move")
            (item,) = await deps.plan.listed([changing], lang)
            today = local_time(deps.rounds.clock(), caller.tz).date()
            await deps.slack.open_view(body["trigger_id"], move_modal(item, lang, today))

        await answer_in_dm(deps, user_id, "new date", open_form)

    async def on_move_submit(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
    ) -> None:
        user_id, team_id = body["user"]["id"], team_of(context)
        number, _, lang = str(view.get("private_metadata") or "").partition("|")
        lang = language_of(lang)  # the form's own language
        caller, today = await caller_today(deps, user_id)
        due = read_due(view["state"]["values"], today)
        try:
            if isinstance(due, str):
                raise Refusal(due)
            action_id = read_id(number)
            if caller is not None:  # else checked after the acknowledgement only
                changing = await deps.plan.changeable(
                    action_id, team_id, caller, "plan_not_yours_move"
                )
                if changing.due == due:
                    raise Refusal("plan_same_due")
        except Refusal as refusal:  # said in the form, which stays open
            await ack(response_action="errors", errors={"due": refusal.text(lang)})
            return
        except ValueError:  # forged: the app always sets it
            await ack(response_action="errors", errors={"due": t(lang, "plan_no_such_action")})
            return
        await ack()
        try:
            caller = caller or await deps.slack.user(user_id)
            lang = language_of(caller.locale)  # a DM: in the caller's language
            try:
                moved = await deps.plan.move(action_id, team_id, caller, due)
            except Refusal as refusal:  # done or changed since the form was checked
                await deps.slack.post_dm(user_id, refusal.text(lang))
                return
            what = escape_mrkdwn(moved.what)
            await deps.slack.post_dm(user_id, t(lang, "plan_moved_ok", due=due, what=what))
        except SlackCallFailed as exc:
            log.error("new date from %s failed: %s", user_id, exc)
            await tell_failure(deps, user_id)
            return
        for person in dict.fromkeys((user_id, moved.owner)):
            await deps.home.refresh(team_id, person)

    async def on_cancel_schedule(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> None:
        await ack()
        user_id, team_id = body["user"]["id"], team_of(context)
        channel = str(action.get("value") or "")
        try:
            caller = await deps.slack.user(user_id)
            lang = language_of(caller.locale)
            try:
                await deps.plan.cancel_schedule(team_id, channel, caller)
                text = t(lang, "schedule_cancelled", channel=f"<#{channel}>")
            except Refusal as refusal:
                text = refusal.text(lang)
            await _tell(deps, channel, user_id, text)
        except SlackCallFailed as exc:
            log.error("cancel schedule from %s failed: %s", user_id, exc)
            await tell_failure(deps, user_id)

    app.action(re.compile(f"^{MAKE_ACTION}_[0-9]+$"))(answer_on_ack(on_make))
    app.view(ACTION_MODAL)(answer_on_ack(on_submit))
    app.action(ACTION_DONE)(answer_on_ack(on_done))
    app.action(MOVE_ACTION)(answer_on_ack(on_move))
    app.view(MOVE_MODAL)(answer_on_ack(on_move_submit))
    app.action(CANCEL_SCHEDULE)(answer_on_ack(on_cancel_schedule))
