"""The action plan and recurring rounds: what a team does between rounds.

Actions are roadmap items someone took on (what, owner, due date), made from a closed round's
summary; the clock reminds each owner once on the due date and sends each lead a weekly digest
of overdue actions. A schedule starts the channel's next round by itself. Refusals are the
rounds' `Refusal`, carrying a message key.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from bot.csv_answers import guarded
from bot.flows.cadence import Cadence
from bot.flows.slash import MAX_DEADLINE_AHEAD
from bot.frameworks import Framework, UnknownFramework
from bot.i18n import language_of, t
from bot.model import Action, Round, RoundStatus, Schedule
from bot.render.blocks import actions_plan as blocks
from bot.render.blocks import escape_mrkdwn
from bot.rounds import Refusal, Rounds
from bot.schedule import local_time, working_hours
from bot.slack_api import SlackCallFailed, SlackUser
from bot.workspaces import Workspace, in_workspace, working_for

log = logging.getLogger(__name__)

MAX_WHAT = 500
EXPORT_COLUMNS = ("area", "what", "owner", "owner_id", "due", "status", "created", "done")
DIGEST_EVERY = timedelta(days=7)
LATEST_ZONE = timedelta(hours=14)  # the earliest date line: UTC+14


ROLE = re.compile(r"(?P<role>[^:\n]{1,60}): (?P<rest>\S.*)", re.DOTALL)  # README, "Format"


@dataclass(frozen=True)
class Draft:
    """What the *Make it an action* form starts from: the round, the area and a suggestion
    (its ``role``, such as "Team leads", apart: the form's owner is a person)."""

    round: Round
    area_id: str
    area_name: str
    suggestion: str
    role: str | None = None
    existing: tuple[Action, ...] = ()  # the area's open actions from this round already


def suggested(gap: Mapping[str, Any]) -> tuple[str | None, str]:
    """A stored roadmap entry's first action, its role apart (`split_role`); without actions,
    the next level's description as it is (no role leads it)."""
    actions = gap.get("actions") or []
    if actions:
        return split_role(str(actions[0]))
    return None, str(gap.get("next_step") or "")


def split_role(action: str) -> tuple[str | None, str]:
    """A framework action's leading role and the rest, capitalized ("Team leads: gather …" →
    ("Team leads", "Gather …")); (None, the action) without one."""
    found = ROLE.fullmatch(action)
    if found is None:
        return None, action
    rest = found["rest"]
    return found["role"], rest[:1].upper() + rest[1:]


@dataclass(frozen=True)
class ActionForm:
    """The form's values, each checked."""

    what: str
    owner: str
    due: date


def due_error(day: date, today: date) -> str | None:
    """Why ``day`` cannot be a due date set ``today`` (a message key), else None."""
    return None if today <= day <= today + MAX_DEADLINE_AHEAD else "plan_bad_due"


def area_name(framework: Framework, area_id: str, lang: str) -> str:
    """The area's name in ``lang`` (its id if the framework no longer has it)."""
    try:
        return framework.area(area_id).name.get(lang)
    except KeyError:
        return area_id


class Plan:
    """Actions from the summary's roadmap, their reminders and digests, and schedules."""

    def __init__(self, rounds: Rounds) -> None:
        self.rounds, self.store, self.slack = rounds, rounds.store, rounds.slack

    def now(self) -> datetime:
        return self.rounds.clock()

    # ------------------------------------------------------------------ actions

    async def draft(self, round_id: int, area_id: str, team_id: str) -> Draft:
        """The roadmap item ``area_id`` of the closed round, with its first suggested action."""
        round_ = await self.store.get_round(round_id)
        if round_ is None or round_.team_id != team_id or round_.status is not RoundStatus.CLOSED:
            raise Refusal("plan_no_such_item")
        gap = next(
            (g for g in (round_.result or {}).get("top_gaps", []) if g.get("area") == area_id),
            None,
        )
        if gap is None:
            raise Refusal("plan_no_such_item")
        role, what = suggested(gap)
        name = area_name(round_.framework, area_id, round_.lang)
        existing = tuple(
            a
            for a in await self.store.channel_actions(team_id, round_.channel_id)
            if a.round_id == round_id and a.area_id == area_id and a.done_at is None
        )
        return Draft(round_, area_id, name, what[:MAX_WHAT], role, existing)

    async def create(
        self, *, team_id: str, creator: str, round_id: int, area_id: str, form: ActionForm
    ) -> Action:
        """Store the action (anyone in the channel may), and say so under the summary."""
        found = await self.draft(round_id, area_id, team_id)
        round_ = found.round
        if creator not in await self.slack.members(round_.channel_id):
            raise Refusal("plan_not_in_channel", channel=f"<#{round_.channel_id}>")
        owner = await self.slack.user(form.owner)
        lead = await self.slack.user(round_.started_by)
        action = await self.store.add_action(
            Action(
                id=0, team_id=team_id, channel_id=round_.channel_id, round_id=round_.id,
                framework_id=round_.framework.id, area_id=area_id, what=form.what,
                owner=owner.id, owner_name=owner.name, owner_tz=owner.tz, lead=round_.started_by,
                due=form.due, created_by=creator, created_at=self.now(),
            ),
            lead.tz,
        )  # fmt: skip
        text = t(
            round_.lang, "plan_created", creator=f"<@{creator}>",
            area=escape_mrkdwn(found.area_name), what=escape_mrkdwn(form.what),
            owner=f"<@{owner.id}>", due=form.due.isoformat(),
        )  # fmt: skip
        await self._announce(round_, action.id, text)
        return action

    async def complete(self, action_id: int, team_id: str, caller: SlackUser) -> Action:
        """Mark the action done: its owner, the round's lead or a workspace admin may."""
        action = await self.changeable(action_id, team_id, caller, "plan_not_yours")
        if not await self.store.complete_action(action.id, caller.id, self.now()):
            raise Refusal("plan_already_done", what=action.what)
        await self._tell_thread(action, caller, "plan_marked_done")
        return action

    async def changeable(
        self, action_id: int, team_id: str, caller: SlackUser, refusal: str
    ) -> Action:
        """The open action ``caller`` may change (its owner, the round's lead or a workspace
        admin), else `Refusal` (``refusal`` the key that says who may)."""
        action = await self.store.action(action_id)
        if action is None or action.team_id != team_id:
            raise Refusal("plan_no_such_action")
        if caller.id not in (action.owner, action.lead) and not caller.is_admin:
            raise Refusal(refusal, owner=f"<@{action.owner}>", lead=f"<@{action.lead}>")
        if action.done_at is not None:
            raise Refusal("plan_already_done", what=action.what)
        return action

    async def move(self, action_id: int, team_id: str, caller: SlackUser, due: date) -> Action:
        """Give the action a new due date (who may: as for `complete`), and tell the summary's
        thread. Its owner is reminded again on that date, unless it is their today or
        earlier: then as before (reminded already, or today, in working hours)."""
        action = await self.changeable(action_id, team_id, caller, "plan_not_yours_move")
        owner_today = local_time(self.now(), action.owner_tz).date()
        if not await self.store.move_action(action.id, due, remind=due > owner_today):
            raise Refusal("plan_already_done", what=action.what)
        await self._tell_thread(
            action, caller, "plan_moved", due=due.isoformat(), was=action.due.isoformat()
        )
        return action

    async def _tell_thread(
        self, action: Action, caller: SlackUser, key: str, **params: str
    ) -> None:
        """Tell the summary's thread what ``caller`` did to ``action``: ``key``, or its
        ``_own`` variant when they own it."""
        round_ = await self.store.get_round(action.round_id)
        assert round_ is not None  # actions reference their round
        lang = round_.lang
        text = t(
            lang, f"{key}_own" if caller.id == action.owner else key,
            mover=f"<@{caller.id}>", owner=f"<@{action.owner}>",
            area=escape_mrkdwn(area_name(round_.framework, action.area_id, lang)),
            what=escape_mrkdwn(action.what), **params,
        )  # fmt: skip
        await self._announce(round_, action.id, text)

    async def _announce(self, round_: Round, action_id: int, text: str) -> None:
        """Post ``text`` in the thread of the round's summary; a refusal is logged (the person
        who acted is told by the caller either way). Without a summary to answer (never
        recorded), nothing: not in the channel itself."""
        if round_.summary_ts is None:
            log.warning("action %s: no summary thread to announce it in", action_id)
            return
        try:
            await self.slack.post(round_.channel_id, text, thread_ts=round_.summary_ts)
        except SlackCallFailed as exc:
            log.warning("action %s: not announced: %s", action_id, exc.error)

    async def listed(self, actions: Sequence[Action], lang: str) -> list[blocks.Listed]:
        """``actions`` with their area names in ``lang`` and whether each is overdue."""
        frameworks: dict[int, Framework] = {}
        listed = []
        today = self.now().date()
        for a in actions:
            if a.round_id not in frameworks:
                round_ = await self.store.get_round(a.round_id)
                assert round_ is not None  # actions reference their round
                frameworks[a.round_id] = round_.framework
            name = area_name(frameworks[a.round_id], a.area_id, lang)
            listed.append(blocks.Listed(a, name, a.done_at is None and a.due < today))
        return listed

    async def channel_list(self, team_id: str, channel_id: str, lang: str) -> str:
        """``/cx-assess actions``: the channel's actions, open first."""
        actions = await self.store.channel_actions(team_id, channel_id)
        return blocks.channel_list(await self.listed(actions, lang), lang)

    async def home_items(self, team_id: str, user_id: str, lang: str) -> list[blocks.Listed]:
        """The person's open actions, for App Home."""
        return await self.listed(await self.store.owner_actions(team_id, user_id), lang)

    async def export(self, round_: Round, user_id: str) -> None:
        """Upload the plan (the actions of the round's framework made from it or an earlier
        round of the channel) as CSV to the caller's DM; nothing when there is none."""
        actions = await self.store.plan_actions(round_)
        if actions:
            dm = await self.slack.open_dm(user_id)
            await self.slack.upload(
                dm,
                filename=f"cx-assess-{round_.framework.id}-{round_.id}-actions.csv",
                content=write_actions(actions),
                title=t(round_.lang, "plan_export_title"),
            )

    # ------------------------------------------------------------------ schedules

    async def set_schedule(
        self,
        round_: Round,
        cadence: Cadence,
        users: Sequence[str],
        lead: SlackUser,
    ) -> Schedule:
        """Repeat ``round_`` (just started) at ``cadence``, replacing the channel's schedule."""
        deadline_days = None
        if round_.deadline is not None:
            deadline_days = (
                local_time(round_.deadline, lead.tz).date() - local_time(self.now(), lead.tz).date()
            ).days
        schedule = Schedule(
            team_id=round_.team_id, channel_id=round_.channel_id,
            framework_id=round_.framework.id, lead=lead.id, lead_tz=lead.tz, users=tuple(users),
            lang=round_.lang, min_responses=round_.min_responses, deadline_days=deadline_days,
            cadence=cadence.key, next_run=cadence.after(self.now()), created_at=self.now(),
        )  # fmt: skip
        await self.store.set_schedule(schedule)
        return schedule

    async def schedule(self, team_id: str, channel_id: str) -> Schedule:
        found = await self.store.schedule(team_id, channel_id)
        if found is None:
            raise Refusal("schedule_none")
        return found

    async def describe_schedule(
        self, team_id: str, channel_id: str, lang: str
    ) -> tuple[str, list[Block]]:
        """``/cx-assess schedule``: the channel's schedule with *Cancel schedule*."""
        found = await self.schedule(team_id, channel_id)
        return blocks.schedule_view(found, self._framework_name(found, lang), lang)

    def _framework_name(self, plan: Schedule, lang: str) -> str:
        try:
            return self.rounds.catalog.get(plan.framework_id).name.get(lang)
        except UnknownFramework:
            return plan.framework_id

    async def cancel_schedule(self, team_id: str, channel_id: str, caller: SlackUser) -> None:
        """Only the schedule's lead or a workspace admin may cancel it."""
        found = await self.schedule(team_id, channel_id)
        if caller.id != found.lead and not caller.is_admin:
            raise Refusal("not_lead", starter=f"<@{found.lead}>")
        await self.store.cancel_schedule(team_id, channel_id)

    # ------------------------------------------------------------------ the clock

    async def tick(self) -> None:
        """Due-date reminders, weekly digests, and recurring rounds that are due."""
        for work in (self._remind_due, self._send_digests, self._run_schedules):
            try:
                await work()
            except SlackCallFailed as exc:
                log.error("%s: %s", work.__name__, exc)

    async def _remind_due(self) -> None:
        """DM each owner once on the due date, in working hours of their zone.

        Recorded before it is sent: a reminder Slack may have posted (a 5xx, a timeout) or
        refused for good (a deactivated owner) is not sent again; one Slack certainly did not
        post for a passing reason is given back for the next tick. One owner's failure never
        holds up the others'."""
        now = self.now()
        for action in await self.store.unreminded_actions((now + LATEST_ZONE).date()):
            today = local_time(now, action.owner_tz).date()
            if today < action.due:
                continue
            if not working_hours(now, action.owner_tz) or not await self.slack.serves(
                action.team_id
            ):
                continue
            if not await self.store.claim_action_reminder(action.id, action.due, now):
                continue
            try:
                with working_for(Workspace(action.team_id)):
                    owner = await self.slack.user(action.owner)
                    lang = language_of(owner.locale)
                    (item,) = await self.listed([action], lang)
                    message = blocks.due_reminder(item, lang, late=today > action.due)
                    await self.slack.post_dm(action.owner, message.text, message.blocks)
            except SlackCallFailed as exc:
                log.warning("action %s: due reminder not sent: %s", action.id, exc.error)
                if exc.transient and not exc.uncertain:
                    await self.store.release_action_reminder(action.id)

    async def _send_digests(self) -> None:
        """At most once in `DIGEST_EVERY`, each lead hears of their overdue actions, if any.

        Recorded before it is sent, like a due reminder: only a digest Slack certainly did not
        post for a passing reason is given back for the next tick; one lead's failure never
        holds up the others'."""
        now = self.now()
        for team_id, lead, tz in await self.store.digest_leads(now - DIGEST_EVERY):
            if not working_hours(now, tz) or not await self.slack.serves(team_id):
                continue
            overdue = await self.store.overdue_actions(team_id, lead, local_time(now, tz).date())
            if not overdue or not await self.store.claim_digest(
                team_id, lead, now, now - DIGEST_EVERY
            ):
                continue
            try:
                with working_for(Workspace(team_id)):
                    lang = language_of((await self.slack.user(lead)).locale)
                    message = blocks.digest(await self.listed(overdue, lang), lang)
                    await self.slack.post_dm(lead, message.text, message.blocks)
            except SlackCallFailed as exc:
                log.warning("digest for %s not sent: %s", lead, exc.error)
                if exc.transient and not exc.uncertain:
                    await self.store.release_digest(team_id, lead, now)

    async def _run_schedules(self) -> None:
        """Start each due recurring round in working hours of its lead's zone, once the channel
        has no open round (until then it waits, and its lead is told so once)."""
        now = self.now()
        for schedule in await self.store.due_schedules(now):
            if not working_hours(now, schedule.lead_tz) or not await self.slack.serves(
                schedule.team_id
            ):
                continue
            if await self.store.open_round(schedule.team_id, schedule.channel_id):
                await in_workspace(schedule.team_id, self._tell_waiting(schedule))
                continue  # never two open rounds: try again at the next tick
            cadence = Cadence.from_key(schedule.cadence)
            if not await self.store.advance_schedule(
                schedule, cadence.next_after(schedule.next_run, now)
            ):
                continue
            await in_workspace(schedule.team_id, self._start(schedule, now))

    async def _tell_waiting(self, schedule: Schedule) -> None:
        """Tell the lead, once per run, that a due run waits for the channel's open round."""
        if schedule.waiting_told == schedule.next_run:
            return  # told already (the usual case, every minute while it waits): no write
        if not await self.store.claim_waiting_notice(schedule):
            return
        try:
            lead = await self.slack.user(schedule.lead)
            lang = language_of(lead.locale)
            text = t(
                lang,
                "schedule_waiting",
                framework=self._framework_name(schedule, lang),
                channel=f"<#{schedule.channel_id}>",
            )
            await self.slack.post_dm(lead.id, text)
        except SlackCallFailed as exc:
            log.warning(
                "schedule in %s: lead not told it waits: %s", schedule.channel_id, exc.error
            )
            if exc.transient and not exc.uncertain:
                await self.store.release_waiting_notice(schedule)

    async def _start(self, schedule: Schedule, now: datetime) -> None:
        """Start one run of ``schedule`` (with the first run's deadline length; a schedule
        stored without one gets the default, `Cadence.open_days`); a refusal is told to the
        lead by DM."""
        lead = await self.slack.user(schedule.lead)
        deadline = None
        if schedule.deadline_days is not None:
            deadline = local_time(now, lead.tz).date() + timedelta(days=schedule.deadline_days)
        try:
            await self.rounds.start(
                team_id=schedule.team_id, channel_id=schedule.channel_id, starter=lead,
                framework_id=schedule.framework_id, users=schedule.users, deadline=deadline,
                lang=schedule.lang, min_responses=schedule.min_responses,
                every=Cadence.from_key(schedule.cadence),
            )  # fmt: skip
        except Refusal as refusal:
            lang = language_of(lead.locale)
            log.info("schedule in %s: %s", schedule.channel_id, refusal.key)
            text = t(lang, "schedule_failed", channel=f"<#{schedule.channel_id}>")
            await self.slack.post_dm(lead.id, f"{text}\n{refusal.text(lang)}")


def write_actions(actions: Sequence[Action]) -> str:
    """``actions`` as CSV (`EXPORT_COLUMNS`; times in UTC, ISO 8601)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    for a in actions:
        writer.writerow(
            [
                a.area_id,
                guarded(a.what),
                guarded(a.owner_name),
                a.owner,
                a.due.isoformat(),
                "open" if a.done_at is None else "done",
                a.created_at.isoformat(),
                a.done_at.isoformat() if a.done_at else "",
            ]
        )
    return buffer.getvalue()
