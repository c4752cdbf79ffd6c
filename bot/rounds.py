"""A round's life in a channel: start and fan out, status, remind, close and summarise, cancel.

The imperative shell around the store, the analysis and the renderers. Whatever a user can act
on is raised as a `Refusal` carrying a message key; the handlers show it to the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.analysis import Baseline, Report, analyse, unanimity_floor
from bot.answers import AreaAnswer
from bot.config import Settings
from bot.csv_answers import exported_areas, for_export, pseudonymise, write_answers
from bot.dialogues import Dialogues
from bot.discussion import Discussions
from bot.flows.cadence import Cadence
from bot.flows.slash import MIN_RESPONSES_FLOOR, deadline_error, min_responses_error
from bot.frameworks import Area, Catalog, Framework, UnknownFramework
from bot.i18n import language_of, t
from bot.model import (
    Invitee,
    Participant,
    PostKey,
    PostKind,
    PostState,
    PostStatus,
    Reminded,
    Round,
    RoundAlreadyOpen,
    RoundNotOpen,
    RoundStatus,
    Snoozed,
    followup_number,
)
from bot.pacing import Pace, paced, turn
from bot.posts import Outgoing, Posts
from bot.render.blocks import dialogue as dialogue_blocks
from bot.render.blocks import nudges as nudge_blocks
from bot.render.blocks.summary import summary_blocks, summary_text
from bot.render.chart import render_chart
from bot.render.dialogue import local_deadline, reader_time
from bot.render.report import render_markdown
from bot.render.wording import stored_stage
from bot.schedule import REMIND_BEFORE, local_time, reminder_due, snooze_until
from bot.slack_api import WORKSPACE_ERRORS, SlackCallFailed, SlackGateway, SlackUser
from bot.storage import Store
from bot.workspaces import belongs, in_workspace

if TYPE_CHECKING:
    from bot.delphi import Followups

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

FANOUT_CONCURRENCY = 32
MAX_PARTICIPANTS = 1000
LIST_USERS_ABOVE = 100  # channel members; see `Rounds._invitees`
DEADLINE_TIME = time(18, 0)
BACKGROUND = "cx-assess background:"  # the name of every task `Rounds` runs in the background
# Before a deadline (18:00): 13:00 on the last day in the lead's zone, after the morning's
# automatic reminders (a *Remind* then reaches those reminded more than an hour before).
LEAD_WARNING = timedelta(hours=5)
REMIND_AGAIN_AFTER = timedelta(hours=1)
# `status`'s groups, in order: who may still need a nudge first, who is done last.
STATUS_GROUPS = (
    "invited",
    "asking",
    "review",
    "declined",
    "waiting",
    "finished",
    "closed",
)  # the lead's `remind`: a double click reminds once


class Refusal(Exception):
    """Something the caller can act on; ``key`` is a message key, ``params`` fill it in."""

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(key)

    def text(self, lang: str) -> str:
        return t(lang, self.key, **self.params)


class WouldWithhold(Refusal):
    """Closing now would withhold areas (too few answers): the lead may close anyway or wait."""

    def __init__(
        self, round_id: int, areas: Sequence[str], overall: bool, everyone_done: bool
    ) -> None:
        super().__init__("close_would_withhold")
        self.round_id, self.areas, self.overall = round_id, tuple(areas), overall
        self.everyone_done = everyone_done  # nothing to wait for: only *Close anyway* is left


class NobodyToInvite(Refusal):
    """None of the people named can be invited; the text gives each one's reason."""

    def __init__(self, unreached: tuple[Unreached, ...]) -> None:
        super().__init__("nobody_invitable")
        self.unreached = unreached

    def text(self, lang: str) -> str:
        reasons = (
            t(lang, "unreached", user=f"<@{u.user_id}>", error=u.error) for u in self.unreached
        )
        return "\n".join([super().text(lang), *reasons])


@dataclass(frozen=True)
class Unreached:
    user_id: str
    error: str


@dataclass(frozen=True)
class FanOut:
    """Invitations sent, refused for good (named), and still waiting (the clock retries)."""

    invited: int
    unreached: tuple[Unreached, ...] = field(default=())
    waiting: int = 0


def announce_refusal(exc: SlackCallFailed, channel: str) -> Refusal:
    """What the lead learns when a round's announcement failed: pending while Slack may still
    take it (the round stands; the clock announces it), else why it was refused for good (and
    the round is gone, see `Rounds.announce`)."""
    if exc.error in WORKSPACE_ERRORS:
        return Refusal("announce_token", error=exc.error)
    if exc.transient:
        return Refusal("announce_pending", error=exc.error)
    return _slack_refusal(exc, channel)


def _slack_refusal(exc: SlackCallFailed, channel: str) -> Refusal:
    if exc.error in ("not_in_channel", "channel_not_found"):
        return Refusal("bot_not_in_channel", channel=f"<#{channel}>")
    return Refusal("slack_failed", method=exc.method, error=exc.error)


class Rounds:
    """Everything the lead does with ``/cx-assess``, and what the clock does (deadlines)."""

    def __init__(
        self,
        store: Store,
        slack: SlackGateway,
        dialogues: Dialogues,
        posts: Posts,
        catalog: Catalog,
        settings: Settings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store, self.slack, self.dialogues, self.posts = store, slack, dialogues, posts
        self.catalog, self.settings, self.clock = catalog, settings, clock
        self.chores: list[Callable[[], Awaitable[None]]] = []  # more work for the clock
        self.followups: Followups | None = None  # closes Delphi follow-ups (bot/delphi.py)
        self.background: set[asyncio.Task[None]] = set()  # see `_in_background`
        self.discussions = Discussions(store, slack, clock)

    # ------------------------------------------------------------------ start

    async def start(
        self,
        *,
        team_id: str,
        channel_id: str,
        starter: SlackUser,
        framework_id: str,
        users: Sequence[str] = (),
        deadline: date | None = None,
        lang: str | None = None,
        min_responses: int | None = None,
        every: Cadence | None = None,
    ) -> tuple[Round, FanOut]:
        """Create the round, announce it in the channel and invite everyone by DM.

        A recurring round (``every``) without a ``deadline`` gets one (`Cadence.open_days`
        from today in the lead's zone): it closes by itself, so the next run can start.

        The round and its posts are created first, each post claimed before it is sent (see
        `bot.posts`). When Slack refuses the announcement for good (the bot is not in the
        channel) the round is deleted again; when Slack is busy or does not answer, the round
        stays and the clock finishes its announcement and invitations.
        """
        try:
            framework = self.catalog.get(framework_id)
        except UnknownFramework as exc:
            raise Refusal("unknown_framework", fid=exc.fid, known=", ".join(exc.known)) from None
        now = self.clock()
        today = local_time(now, starter.tz).date()  # the day the lead's date picker shows
        if deadline is None and every is not None:
            deadline = today + timedelta(days=every.open_days(now))
        problem = deadline_error(deadline, today) if deadline else None
        if problem is None and min_responses is not None and min_responses < MIN_RESPONSES_FLOOR:
            problem = min_responses_error(str(min_responses))
        if problem is not None:
            raise Refusal(problem.key, **problem.params)
        closes_at = _deadline_at(deadline, starter.tz) if deadline else None
        if closes_at is not None and closes_at <= now:
            raise Refusal("deadline_past", deadline=deadline)
        existing = await self.store.open_round(team_id, channel_id)
        if existing is not None:
            raise Refusal("round_already_open", framework=existing.framework.id)
        invitees, unreached = await self._invitees(channel_id, users)
        if not invitees and unreached:
            raise NobodyToInvite(unreached)
        if not invitees:
            raise Refusal("no_participants")
        try:
            round_ = await self.store.create_round(
                team_id=team_id,
                channel_id=channel_id,
                framework=framework,
                started_by=starter.id,
                participants=invitees,
                lang=lang or language_of(starter.locale),
                deadline=closes_at,
                min_responses=min_responses or self.settings.min_responses,
                now=now,
                announced=True,
            )
        except RoundAlreadyOpen:
            raise Refusal("round_already_open", framework=framework.id) from None
        try:
            await self.announce(round_)
        except SlackCallFailed as exc:
            raise announce_refusal(exc, channel_id) from None
        fan_out = await self.fan_out(round_)
        return round_, FanOut(fan_out.invited, unreached + fan_out.unreached, fan_out.waiting)

    async def announce(self, round_: Round) -> None:
        """Post the round's announcement to its channel, once (the deadline shown in each
        reader's own time). When Slack refuses it for good (the bot is not in the channel), the
        round is deleted."""
        lang = round_.lang
        text = t(
            lang,
            ("followup_" if round_.followup_of else "")
            + ("announce_deadline" if round_.deadline else "announce"),
            starter=f"<@{round_.started_by}>",
            framework=round_.framework.name.get(lang),
            count=len(await self.store.participants(round_.id)),
            deadline=reader_time(round_.deadline, lang) if round_.deadline else "",
            followup=followup_number(round_.iteration),
            areas=len(round_.framework.areas),
        )
        key = PostKey(round_.id, PostKind.ANNOUNCEMENT)
        try:
            await self.posts.deliver(key, Outgoing(round_.channel_id, text))
        except SlackCallFailed as exc:
            if not exc.transient:  # refused for good: nobody ever heard of the round
                await self.store.discard_round(round_.id)
            raise

    async def _invitees(
        self, channel_id: str, users: Sequence[str]
    ) -> tuple[list[Invitee], tuple[Unreached, ...]]:
        """The people to invite, and why any person named explicitly cannot be.

        A channel of more than `LIST_USERS_ABOVE` members is looked up with one paginated
        ``users.list`` (Tier 2, about 20 calls a minute, 200 people a page) instead of one
        ``users.info`` per member (Tier 4, about 100 a minute): past 100 members the per-member
        calls need more than a minute, while the listing needs a minute per 4,000 people in the
        workspace. Members the listing does not hold (another workspace's) are looked up alone.
        """
        try:
            candidates = list(users) or await self.slack.members(channel_id)
            if len(candidates) > MAX_PARTICIPANTS + 1:  # the bot itself is a member
                raise Refusal("too_many_participants", max=MAX_PARTICIPANTS)
            many = not users and len(candidates) > LIST_USERS_ABOVE
            listed = await self.slack.users() if many else {}
        except SlackCallFailed as exc:
            raise _slack_refusal(exc, channel_id) from None
        unlisted = [u for u in candidates if u not in listed]
        looked_up = dict(
            zip(unlisted, await _bounded(unlisted, self._user_or_error, "users.info"), strict=True)
        )
        found = [listed.get(u) or looked_up[u] for u in candidates]
        passing = [u for u in found if isinstance(u, SlackCallFailed) and u.transient]
        if passing:  # never leave someone out for Slack's passing trouble: nothing is started
            error = passing[0].error
            if error in WORKSPACE_ERRORS:
                raise Refusal("start_token", error=error)
            raise Refusal("people_unread", count=len(passing), error=error)
        invitees = [
            Invitee(u.id, language_of(u.locale), u.tz)
            for u in found
            if isinstance(u, SlackUser) and u.is_human
        ]
        unreached: list[Unreached] = []
        if users:  # channel members who are bots are left out silently; named people are not
            for user_id, u in zip(candidates, found, strict=True):
                if isinstance(u, SlackCallFailed):
                    unreached.append(Unreached(user_id, u.error))
                elif not u.is_human:
                    unreached.append(Unreached(user_id, "deactivated" if u.deleted else "is_bot"))
        return invitees, tuple(unreached)

    async def _user_or_error(self, user_id: str) -> SlackUser | SlackCallFailed:
        try:
            return await self.slack.user(user_id)
        except SlackCallFailed as exc:
            return exc

    async def fan_out(self, round_: Round) -> FanOut:
        """Send every invitation of the round that is due (safe to run again, and in several
        processes at once: each invitation is claimed before it is sent)."""
        due = {
            k.user_id for k in await self.posts.pending(round_.id) if k.kind is PostKind.INVITATION
        }
        people = [p for p in await self.store.participants(round_.id) if p.user_id in due]

        async def invite(person: Participant) -> None:
            if self.slack.token_failed(round_.team_id):
                return  # its token failed meanwhile: the rest waits for the clock
            try:
                await self.dialogues.invite(round_, person)
            except SlackCallFailed as exc:
                log.warning("round %s: invitation not sent: %s", round_.id, exc.error)

        await _bounded(people, invite, "chat.postMessage")
        return await self.invitations(round_)

    async def invitations(self, round_: Round) -> FanOut:
        """Where the round's invitations stand: sent, refused for good (and why), waiting."""
        return _fan_out(await self.store.invitations(round_.id))

    def fan_out_report(self, fan_out: FanOut, lang: str) -> str:
        """What the lead learns after a start: who was invited, who could not be reached, and
        how many invitations the clock still has to send."""
        lines = [t(lang, "invited", count=fan_out.invited)]
        lines += [
            t(lang, "unreached", user=f"<@{u.user_id}>", error=u.error) for u in fan_out.unreached
        ]
        if fan_out.waiting:
            lines.append(t(lang, "invitations_waiting", count=fan_out.waiting))
        return "\n".join(lines)

    async def start_reply(
        self, round_: Round, fan_out: FanOut, lead: SlackUser, lang: str, recurring: str = ""
    ) -> str:
        """What the lead reads after a start: who was invited (`fan_out_report`), what comes
        next (a recurring round's ``recurring`` lines, else when it closes, or that it stays
        open until closed) and the `heads_up` when too few were invited."""
        lines = [self.fan_out_report(fan_out, lang)]
        if recurring:
            lines.append(recurring)
        elif round_.deadline is not None:
            closes = local_deadline(round_.deadline, lead.tz, lang)
            lines.append(
                t(lang, "started_next", deadline=closes, channel=f"<#{round_.channel_id}>")
            )
        else:
            lines.append(t(lang, "started_next_open"))
        if heads_up := await self.heads_up(round_, lang):
            lines.append(heads_up)
        return "\n".join(lines)

    def _thresholds(self, round_: Round) -> tuple[int, float]:
        """The round's anonymity minimum and consensus threshold (the framework's, else the
        setting)."""
        threshold = round_.framework.consensus_threshold or self.settings.consensus_threshold
        return self.minimum(round_.min_responses), threshold

    def minimum(self, asked: int | None) -> int:
        """The anonymity minimum of a round started with ``asked`` (None: the setting); never
        below the floor (rounds stored before it may hold less)."""
        return max(MIN_RESPONSES_FLOOR, asked or self.settings.min_responses)

    async def heads_up(self, round_: Round, lang: str) -> str | None:
        """The start reply's last line when too few people besides the lead were invited for
        any area to be shown, or for the summary to flag where answers differ
        (`unanimity_floor`): better known now than at close. None with enough."""
        people = await self.store.participants(round_.id)
        others = sum(1 for p in people if p.user_id != round_.started_by)
        least, threshold = self._thresholds(round_)
        floor = unanimity_floor(round_.framework.scale.values, threshold)
        # A lead who did not invite themselves gives no answer to count the others' besides.
        lead_answers = others < len(people)
        if others < least:
            key = "heads_up_too_few" if lead_answers else "heads_up_too_few_invited"
            return t(lang, key, count=others, min=least)
        if others < floor:
            key = "heads_up_unjudged" if lead_answers else "heads_up_unjudged_invited"
            return t(lang, key, count=others, floor=floor)
        return None

    # ------------------------------------------------------------------ lead commands

    async def open_round(self, team_id: str, channel_id: str) -> Round:
        found = await self.store.open_round(team_id, channel_id)
        if found is None:
            raise Refusal("no_open_round")
        return found

    async def led_round(self, round_id: int, team_id: str, caller: SlackUser) -> Round:
        """An open round of the team that ``caller`` may lead (buttons in App Home and DMs,
        which may be pressed after it ended: then said so)."""
        round_ = await self.store.get_round(round_id)
        if round_ is None or round_.team_id != team_id:
            raise Refusal("no_open_round")
        if round_.status is not RoundStatus.OPEN:
            raise self.not_open(round_)
        await self.authorize(round_, caller)
        return round_

    @staticmethod
    def not_open(round_: Round) -> Refusal:
        """What a button or form of a round that has ended answers: closed, or canceled."""
        key = "after_close" if round_.status is RoundStatus.CLOSED else "after_cancel"
        return Refusal(key, channel=f"<#{round_.channel_id}>")

    async def latest_round(self, team_id: str, channel_id: str) -> Round:
        """The channel's open round, else its most recently closed one."""
        for round_ in await self.store.rounds_in_channel(team_id, channel_id):
            if round_.status is not RoundStatus.CANCELLED:
                return round_
        raise Refusal("no_open_round")

    async def authorize(self, round_: Round, caller: SlackUser) -> None:
        """Only the round's starter or a workspace admin/owner may lead it."""
        if caller.id != round_.started_by and not caller.is_admin:
            raise Refusal("not_lead", starter=f"<@{round_.started_by}>")

    async def status(self, round_: Round, lang: str, tz: str | None = None) -> str:
        """How many have finished and until when (in the reader's zone ``tz``), then who stands
        where, a line per group (not started, answering, …; who could not be invited, with
        why), never how far or what: a per-person count of answered areas would pick their
        rows out of an export."""
        invitations = await self.store.invitations(round_.id)
        people = await self.store.participants(round_.id)
        now = self.clock()
        groups: dict[str, list[str]] = {}
        unreached: list[str] = []
        for person in people:
            name = f"<@{person.user_id}>"
            if person.snoozed(now) and person.snooze_until is not None:
                until = local_deadline(person.snooze_until, person.tz, lang)
                name += f" ({t(lang, 'status_snoozed', when=until)})"
            invitation = invitations.get(person.user_id)
            if invitation is None or invitation.state is PostState.SENT:
                groups.setdefault(person.state.phase.value, []).append(name)
            elif invitation.state is PostState.REFUSED:
                unreached.append(f"{name} ({invitation.error or ''})")
            else:
                groups.setdefault("waiting", []).append(name)
        until = (
            t(lang, "invite_deadline", deadline=local_deadline(round_.deadline, tz, lang))
            if round_.deadline
            else t(lang, "invite_open_until_closed", starter=f"<@{round_.started_by}>")
        )
        finished = sum(p.finished for p in people)
        lines = [
            t(
                lang, "status_title", framework=round_.framework.name.get(lang),
                finished=finished, invited=len(people), until=until,
            )
        ]  # fmt: skip
        for group in STATUS_GROUPS:
            if names := groups.get(group):
                label = t(lang, f"status_group_{group}")
                lines.append(f"• {label} ({len(names)}): {', '.join(names)}")
        if unreached:
            lines.append(f"• {t(lang, 'status_group_unreached')}: {'; '.join(unreached)}")
        waiting = _fan_out(invitations).waiting
        if waiting:
            lines.append(t(lang, "invitations_waiting", count=waiting))
        return "\n".join(lines)

    async def remind(self, round_: Round, *, automatic: bool = False) -> Reminded:
        """DM everyone who has not finished and has not snoozed; says who was reminded, and who
        was left out (a pending snooze, not now, or reminded in the last `REMIND_AGAIN_AFTER`).

        Each reminder is recorded before it is sent (`Store.claim_reminder`): at most once. One
        Slack may have posted (a 5xx, a timeout) counts as sent and is never sent again; one
        Slack certainly did not post for a passing reason (rate limit, unreachable) is given
        back. ``automatic`` reminders follow `reminder_due` (timing, count, working hours) and
        include those who said not now (a snooze without a time); the lead's leave those out
        (named in the reply) but on the last day (`REMIND_BEFORE`), and whoever was reminded in
        the last `REMIND_AGAIN_AFTER`.
        """
        count = recent = 0
        snoozed: list[Participant] = []
        not_now: list[Participant] = []
        now = self.clock()
        last_day = round_.deadline is not None and round_.deadline - now <= REMIND_BEFORE
        for person in await self.store.participants(round_.id):
            if self.slack.token_failed(round_.team_id):
                break  # its token failed: nobody else can be reminded now either
            if person.finished or person.dm_channel is None:
                continue
            if person.snoozed(now):
                snoozed.append(person)  # they chose when to hear from us
                continue
            if not automatic and person.said_not_now and not last_day:
                not_now.append(person)  # the clock's reminders still come, within their limits
                continue
            if automatic and (
                not reminder_due(
                    now,
                    round_.deadline,
                    person.tz,
                    person.reminders_sent,
                    person.reminded_at or person.invited_at,  # not right after the invitation
                )
            ):
                continue
            if (
                not automatic
                and person.reminded_at
                and now - person.reminded_at < REMIND_AGAIN_AFTER
            ):
                recent += 1
                continue
            if not await self.store.claim_reminder(person, now):
                recent += 1  # another remind (a double click, the clock) has just taken it
                continue
            lang = language_of(person.locale)
            text = t(
                lang,
                "reminder_deadline" if round_.deadline else "reminder",
                channel=f"<#{round_.channel_id}>",
                framework=round_.framework.name.get(lang),
                deadline=local_deadline(round_.deadline, person.tz, lang)
                if round_.deadline
                else "",
            )
            started = person.state.started
            text = dialogue_blocks.reminder_text(
                text, round_.framework, person.state.answered, lang
            )
            message = dialogue_blocks.reminder(text, lang, round_id=round_.id, started=started)
            try:
                await self.slack.post(person.dm_channel, message.text, message.blocks)
            except SlackCallFailed as exc:
                log.warning("reminder to %s failed: %s", person.user_id, exc.error)
                if not exc.uncertain:
                    if exc.transient:
                        await self.store.release_reminder(person, now)
                    continue
            count += 1
        return Reminded(count, recent, tuple(snoozed), tuple(not_now))

    async def only_after_close(self, round_: Round) -> None:
        """While ``round_`` is open its results and answers are not shown, only how many people
        started and finished (what `status` shows): a preview taken before and after one person
        answers would tell that person's answers."""
        if round_.status is not RoundStatus.OPEN:
            return
        people = await self.store.participants(round_.id)
        raise Refusal(
            "results_after_close",
            invited=len(people),
            started=sum(1 for p in people if p.state.answered),
            finished=sum(p.finished for p in people),
        )

    async def analyse(
        self,
        round_: Round,
        answers: Mapping[str, Mapping[str, AreaAnswer]] | None = None,
        *,
        hidden: Collection[str] = (),
    ) -> Report:
        """The round's report now (of ``answers``, else its own), compared with the channel's
        previous round of the framework; ``hidden`` as for `bot.analysis.analyse`."""
        answers = await self.store.answers(round_.id) if answers is None else answers
        invited = len(await self.store.participants(round_.id))
        previous = await self.store.previous_closed_round(round_)
        baseline = (
            Baseline.from_report_dict(previous.result) if previous and previous.result else None
        )
        until = round_.closed_at or self.clock()
        notes = await self.store.action_notes(
            round_, previous.closed_at if previous else None, until
        )
        least, threshold = self._thresholds(round_)
        return analyse(
            round_.framework,
            answers,
            invited=invited,
            previous=baseline,
            min_responses=least,
            consensus_threshold=threshold,
            actions=notes,
            lead=round_.started_by,
            hidden=hidden,
        )

    async def export(
        self,
        round_: Round,
        report: Report,
        user_id: str,
        answers: Mapping[str, Mapping[str, AreaAnswer]] | None = None,
    ) -> None:
        """Upload the round's answers, pseudonymised, as CSV to the caller's DM: the complete
        answers of the areas the summary shows (see `for_export`), and only when at least
        ``min_responses`` people besides the lead and the caller (each knows their own row) gave
        complete answers. ``report`` is the round's analysis (`analyse`), which decides the areas
        shown; ``answers`` those it was made of, when not the round's own (after a follow-up)."""
        shown = exported_areas(report)
        if answers is None:
            answers = await self.store.answers(round_.id)
        rows = for_export(answers, report)
        least = report.settings.min_responses
        knowing = {round_.started_by, user_id}
        others = len(rows.keys() - knowing)
        if others < least:
            key = "export_too_few_you" if user_id == round_.started_by else "export_too_few"
            raise Refusal(key, count=others, min=least)
        # Everyone the published figures count but the file leaves out (those who stopped part
        # way): with fewer of them than the minimum, figures minus file would give their answers.
        partial = sum(
            1
            for person, per_area in answers.items()
            if person not in rows
            and person not in knowing
            and any(isinstance(per_area.get(a, AreaAnswer()).current, int) for a in shown)
        )
        if 0 < partial < least:
            raise Refusal("export_partial", count=partial, min=least)
        dm = await self.slack.open_dm(user_id)
        await self.slack.upload(
            dm,
            filename=f"cx-assess-{round_.framework.id}-{round_.id}.csv",
            content=write_answers(pseudonymise(rows)),
            title=t(round_.lang, "export_title"),
        )

    async def close(
        self, round_: Round, *, force: bool = False, seen: Collection[str] | None = None
    ) -> Report:
        """Close: store the report, post the summary with its chart and report, thank everyone.

        Unless ``force``d (the deadline, or a lead who saw the warning), a close that would
        withhold areas for too few answers raises `WouldWithhold` first; not when those are
        exactly the areas ``seen`` (ids) the lead was told of (the everyone-finished DM). The
        round is closed (its report stored, its summary made due) before posting; a summary
        that cannot be posted now is posted by the clock (`tick`), and the lead is told so.
        """
        if round_.followup_of is not None and self.followups is not None:
            return await self.followups.close(round_, force=force, seen=seen)
        report = await self.analyse(round_)
        if not force:
            # No area shown at all (split areas still are): the overall is withheld too.
            await self.warn_if_withheld(round_, report, overall=not report.overall.shown, seen=seen)
        try:
            await self.store.finish_round(
                round_.id, RoundStatus.CLOSED, report.to_dict(round_.lang), self.clock()
            )
        except RoundNotOpen:
            raise Refusal("no_open_round") from None
        try:
            await self.publish_summary(round_, report)
        except SlackCallFailed as exc:
            log.error("round %s: summary not posted yet: %s", round_.id, exc)
            key = "summary_unconfirmed" if exc.uncertain else "summary_pending"
            raise Refusal(key, error=exc.error) from None
        return report

    async def publish_summary(self, round_: Round, report: Report) -> None:
        """Post the summary to the channel once; whoever records it as posted then adds its
        chart and Markdown report to its thread, opens a discussion thread per disagreement
        shown (bot/discussion.py) and thanks the participants (in the background: a DM per
        person must not hold up the lead's reply)."""
        lang = round_.lang
        payload: dict[str, object] = {
            "framework": round_.framework.id,
            "top_gaps": [g.id for g in report.top_gaps],
            "disagreements": [a.id for a in report.areas if a.disagreement],
        }
        if report.overall.stage is not None:
            payload["overall_stage"] = report.overall.stage.key
        out = Outgoing(
            round_.channel_id,
            summary_text(report, lang),
            summary_blocks(report, lang, round_id=round_.id),
            payload,
        )
        sent = await self.posts.deliver(PostKey(round_.id, PostKind.SUMMARY), out)
        if sent is None:
            return  # posted before, or being posted by another attempt
        try:
            await self._attach(round_, report, sent.ts)
        except SlackCallFailed as exc:  # the summary itself is out; the files are extras
            log.error("round %s: chart or report not attached: %s", round_.id, exc)
        await self.discussions.open(round_, report)
        self.farewell(round_, "thanks_closed")

    async def _attach(self, round_: Round, report: Report, ts: str) -> None:
        lang = round_.lang
        chart = await asyncio.to_thread(render_chart, report, lang)
        await self.slack.upload(
            round_.channel_id, filename="cx-assess-chart.png", content=chart,
            title=t(lang, "chart_file_title"), thread_ts=ts,
        )  # fmt: skip
        await self.slack.upload(
            round_.channel_id, filename="cx-assess-report.md", content=render_markdown(report, lang),
            title=t(lang, "report_file_title"), thread_ts=ts,
        )  # fmt: skip

    async def new_deadline(self, round_: Round, day: date, caller: SlackUser) -> datetime:
        """When the open round would close if ``caller`` moved its deadline to ``day``: 18:00
        there in its lead's zone; `Refusal` when that is in the past, beyond a year, the day
        it closes already, or not before the channel's next scheduled run."""
        now = self.clock()
        lead = (
            caller if caller.id == round_.started_by else await self.slack.user(round_.started_by)
        )
        problem = deadline_error(day, local_time(now, lead.tz).date())
        if problem is not None:
            raise Refusal(problem.key, **problem.params)
        closes_at = _deadline_at(day, lead.tz)
        if closes_at <= now:
            raise Refusal("deadline_past", deadline=day)
        if round_.deadline and local_time(round_.deadline, lead.tz).date() == day:
            raise Refusal("deadline_same", deadline=day)  # reminders would all come again
        upcoming = await self.store.schedule(round_.team_id, round_.channel_id)
        if upcoming is not None and closes_at >= upcoming.next_run:
            starts = local_time(upcoming.next_run, lead.tz).date().isoformat()
            raise Refusal("deadline_after_next_run", next=starts)
        return closes_at

    async def latest_day(self, round_: Round, tz: str | None) -> date | None:
        """The last day the round's deadline may move to: the day before the channel's next
        scheduled run (in ``tz``); None without a schedule (a year ahead is the limit)."""
        upcoming = await self.store.schedule(round_.team_id, round_.channel_id)
        if upcoming is None:
            return None
        return local_time(upcoming.next_run, tz).date() - timedelta(days=1)

    async def extend(self, round_: Round, day: date, caller: SlackUser) -> datetime:
        """Move the open round's deadline to ``day`` (checked by `new_deadline`). Whoever has
        not finished may be reminded again before it; the announcement's thread is told."""
        closes_at = await self.new_deadline(round_, day, caller)
        if not await self.store.set_deadline(round_.id, closes_at):
            now = await self.store.get_round(round_.id)
            if now is not None and now.status is RoundStatus.OPEN:  # moved there just now
                raise Refusal("deadline_same", deadline=day)
            raise self.not_open(now or round_)
        if round_.announce_ts:
            moved = reader_time(closes_at, round_.lang)
            text = t(round_.lang, "deadline_moved_thread", lead=f"<@{caller.id}>", deadline=moved)
            try:
                await self.slack.post(round_.channel_id, text, thread_ts=round_.announce_ts)
            except SlackCallFailed as exc:
                log.warning("round %s: new deadline not posted: %s", round_.id, exc.error)
        return closes_at

    async def cancel(self, round_: Round) -> None:
        try:
            await self.store.finish_round(round_.id, RoundStatus.CANCELLED, None, self.clock())
        except RoundNotOpen:
            raise Refusal("no_open_round") from None
        if round_.announce_ts:
            text = t(
                round_.lang, "cancelled_thread", framework=round_.framework.name.get(round_.lang)
            )
            try:
                await self.slack.post(round_.channel_id, text, thread_ts=round_.announce_ts)
            except SlackCallFailed as exc:
                log.warning("round %s: cancellation not posted: %s", round_.id, exc.error)
        self.farewell(round_, "thanks_cancelled")

    def _in_background(self, work: Coroutine[None, None, None], what: str) -> None:
        """Run ``work`` after the caller returns (the lead's reply does not wait for a DM per
        participant), kept in `background` and named so that `bot.server.drain` waits for it."""
        task = asyncio.create_task(work, name=f"{BACKGROUND} {what}")
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def farewell(self, round_: Round, key: str) -> None:
        """In the background (`_in_background`): one short new message to each person who gave
        an answer (message ``key``); nobody else is told."""
        self._in_background(self._farewell(round_, key), f"round {round_.id} {key}")

    async def _farewell(self, round_: Round, key: str) -> None:
        people = [p for p in await self.store.participants(round_.id) if p.state.started]

        async def tell(person: Participant) -> None:
            lang = language_of(person.locale)
            try:
                await self.dialogues.close(person, t(lang, key, channel=f"<#{round_.channel_id}>"))
            except SlackCallFailed as exc:
                log.warning("could not tell %s the round ended: %s", person.user_id, exc.error)

        await _bounded(people, tell, "chat.postMessage")

    async def history(self, team_id: str, channel_id: str, lang: str) -> str:
        rounds = await self.store.rounds_in_channel(team_id, channel_id)
        if not rounds:
            return t(lang, "history_empty")
        lines = [t(lang, "history_title")]
        for r in rounds:
            stage = stored_stage(r.result, r.framework.scale, lang)
            people = r.result["participants"]["responded"] if r.result else "—"
            lines.append(
                t(
                    lang,
                    "history_line",
                    date=r.created_at.date().isoformat(),
                    framework=r.framework.name.get(lang),
                    status=t(lang, f"status_{r.status.value}"),
                    stage=stage,
                    people=people,
                )
            )
        return "\n".join(lines)

    def framework_list(self, lang: str) -> str:
        return "\n".join(_framework_line(f, lang) for f in self.catalog)

    async def snooze(self, round_id: int, user_id: str, *, tomorrow: bool) -> Snoozed:
        """Remind the person later: in an hour, or at 9:00 tomorrow in their zone, but before
        the deadline (`snooze_until`); refused when it is within the hour."""
        person = await self.store.participant(round_id, user_id)
        round_ = await self.store.get_round(round_id)
        if person is None or round_ is None or not belongs(round_.team_id):
            raise Refusal("no_open_round")
        if round_.status is not RoundStatus.OPEN:
            raise self.not_open(round_)
        if person.finished:  # a reminder's snooze pressed after finishing
            raise Refusal("snooze_finished")
        now, deadline = self.clock(), round_.deadline
        until = snooze_until(now, person.tz, tomorrow=tomorrow, deadline=deadline)
        if until is None:
            assert deadline is not None
            closes = local_deadline(deadline, person.tz, language_of(person.locale))
            raise Refusal("snooze_too_late", deadline=closes)
        await self.store.snooze(round_id, user_id, until)
        natural = snooze_until(now, person.tz, tomorrow=tomorrow)
        return Snoozed(until, deadline if until != natural else None)

    # ------------------------------------------------------------------ the clock

    async def tick(self) -> None:
        """The clock's work, run every minute: send the posts still due, close rounds past
        their deadline, remind; then the `chores` (bot/plan.py)."""
        await self.store.forget_requests_before(self.clock() - timedelta(days=1))
        await self.resume()
        await self._wake_snoozed()
        for round_ in await self.store.open_rounds():
            team = round_.team_id
            if not await self.slack.serves(team):
                continue  # uninstalled: nothing is sent for it (bot/workspaces.py)
            try:
                if round_.deadline is not None and round_.deadline <= self.clock():
                    await in_workspace(team, self.close(round_, force=True))
                else:
                    await in_workspace(team, self.remind(round_, automatic=True))
                    await in_workspace(team, self._tell_lead_if_all_done(round_))
                    await in_workspace(team, self._warn_lead_before_close(round_))
            except Refusal as refusal:
                log.info("round %s: %s", round_.id, refusal.key)  # e.g. closed by a lead
            except SlackCallFailed as exc:
                log.error("round %s: %s", round_.id, exc)
        for chore in self.chores:
            await chore()

    async def warn_if_withheld(
        self, round_: Round, report: Report, *, overall: bool, seen: Collection[str] | None = None
    ) -> None:
        """`WouldWithhold` when closing now would hide areas (or, with ``overall``, the overall
        stage) for too few answers, unless they are exactly the areas ``seen`` (ids); says
        whether everyone has finished (nothing to wait for)."""
        withheld = _withheld(report)
        if seen is not None and {a.id for a in withheld} == set(seen):
            return  # the lead closes knowing just these are withheld
        if withheld or overall:
            people = await self.store.participants(round_.id)
            names = tuple(a.name.get(round_.lang) for a in withheld)
            raise WouldWithhold(round_.id, names, overall, all(p.finished for p in people))

    async def _wake_snoozed(self) -> None:
        """Remind everyone whose snooze has ended (each snooze fires once)."""
        for round_id, user_id in await self.store.take_due_snoozes(self.clock()):
            round_ = await self.store.get_round(round_id)
            person = await self.store.participant(round_id, user_id)
            if round_ is None or person is None or person.dm_channel is None or person.finished:
                continue  # one who finished meanwhile has nothing left to be reminded of
            if not await self.slack.serves(round_.team_id):  # uninstalled: kept for a return
                await self.store.snooze(round_id, user_id, self.clock())
                continue
            lang = language_of(person.locale)
            text = t(lang, "snooze_over", framework=round_.framework.name.get(lang))
            text = dialogue_blocks.reminder_text(
                text, round_.framework, person.state.answered, lang
            )
            started = person.state.started
            message = dialogue_blocks.reminder(text, lang, round_id=round_id, started=started)
            try:
                await in_workspace(
                    round_.team_id, self.slack.post(person.dm_channel, message.text, message.blocks)
                )
            except SlackCallFailed as exc:
                log.warning("snooze reminder to %s failed: %s", user_id, exc.error)
                if exc.transient and not exc.uncertain:  # certainly not posted: next minute
                    await self.store.snooze(round_id, user_id, self.clock())

    async def _tell_lead_if_all_done(self, round_: Round) -> None:
        """Once everyone has finished, DM the lead (not now is not finished)."""
        people = await self.store.participants(round_.id)
        finished = sum(p.finished for p in people)
        if not finished or finished < len(people):
            return
        now = self.clock()
        if not await self.store.claim_lead_told_done(round_.id, now):
            return  # told already (the usual case, every minute): no lookup, no analysis

        async def all_done(lead: SlackUser) -> dialogue_blocks.Message:
            withheld = _withheld(await self.analyse(round_))
            lang = language_of(lead.locale)
            return nudge_blocks.all_done(round_, finished, len(people), withheld, lang, lead.tz)

        await self._dm_lead(
            round_, all_done, partial(self.store.release_lead_told_done, round_.id, now)
        )

    async def _warn_lead_before_close(self, round_: Round) -> None:
        """On a round's last day, from 13:00 in the lead's zone (`LEAD_WARNING`; its deadline is
        18:00 there), DM the lead once while someone has not finished: how many have, with
        *Remind* and how to give it more time. Not for a round started that day. Said once per
        deadline: recorded before it is sent (at most once, as reminders are)."""
        deadline, now = round_.deadline, self.clock()
        if deadline is None or not deadline - LEAD_WARNING <= now < deadline:
            return
        if round_.created_at > deadline - REMIND_BEFORE:
            return  # started for a day or less: the lead knows how it stands
        people = await self.store.participants(round_.id)
        finished = sum(p.finished for p in people)
        if finished == len(people) or not await self.store.claim_lead_warned(round_.id, now):
            return

        invitations = await self.store.invitations(round_.id)
        unreached = {u for u, i in invitations.items() if i.state is PostState.REFUSED}
        waiting = [p.user_id for p in people if not p.finished and p.user_id not in unreached]

        async def closing_soon(lead: SlackUser) -> dialogue_blocks.Message:
            lang = language_of(lead.locale)
            latest = await self.latest_day(round_, lead.tz)
            return nudge_blocks.closing_soon(
                round_, waiting, finished, len(people), lang, lead.tz, latest=latest
            )

        await self._dm_lead(
            round_, closing_soon, partial(self.store.release_lead_warned, round_.id, now)
        )

    async def _dm_lead(
        self,
        round_: Round,
        build: Callable[[SlackUser], Awaitable[dialogue_blocks.Message]],
        release: Callable[[], Awaitable[None]],
    ) -> None:
        """DM the round's lead what ``build`` makes for them, its claim taken already (at most
        once): ``release`` gives the claim back when Slack certainly did not post it, for the
        clock's next minute."""
        try:
            lead = await self.slack.user(round_.started_by)
            message = await build(lead)
            await self.slack.post_dm(round_.started_by, message.text, message.blocks)
        except SlackCallFailed as exc:
            posted_maybe = exc.uncertain and exc.method == "chat.postMessage"
            if exc.transient and not posted_maybe:
                await release()
            raise

    async def resume(self) -> None:
        """Send every post still due: announcements, then invitations (once their round is
        announced), then summaries; also those an attempt left unfinished (a restart, another
        process, no answer from Slack) once that attempt is certainly over."""
        for kind in PostKind:
            round_ids = dict.fromkeys(
                k.round_id for k in await self.posts.pending() if k.kind is kind
            )
            for round_id in round_ids:
                round_ = await self.store.get_round(round_id)
                if round_ is None or not await self.slack.serves(round_.team_id):
                    continue
                try:
                    await in_workspace(round_.team_id, self._send_pending(round_, kind))
                except SlackCallFailed as exc:
                    log.error("round %s: %s not posted yet: %s", round_id, kind.value, exc.error)

    async def _send_pending(self, round_: Round, kind: PostKind) -> None:
        if kind is PostKind.ANNOUNCEMENT:
            await self.announce(round_)
        elif kind is PostKind.INVITATION:
            fan_out = await self.fan_out(round_)
            log.info(
                "round %s: %s invited, %s waiting", round_.id, fan_out.invited, fan_out.waiting
            )
        elif round_.followup_of is not None and self.followups is not None:
            await self.followups.publish(round_)
        else:
            await self.publish_summary(round_, await self.analyse(round_))


def _fan_out(invitations: dict[str, PostStatus]) -> FanOut:
    sent = sum(1 for s in invitations.values() if s.state is PostState.SENT)
    refused = tuple(
        Unreached(user_id, s.error or "")
        for user_id, s in invitations.items()
        if s.state is PostState.REFUSED
    )
    return FanOut(sent, refused, len(invitations) - sent - len(refused))


def _withheld(report: Report) -> tuple[Area, ...]:
    """The areas a summary of ``report`` withholds (too few answers to show)."""
    return tuple(r.area for r in report.areas if r.below_min_responses)


def _framework_line(framework: Framework, lang: str) -> str:
    return f"• `{framework.id}`: {framework.name.get(lang)} ({len(framework.areas)})"


def _deadline_at(day: date, tz: str | None) -> datetime:
    """The deadline moment: 18:00 on ``day`` in the lead's time zone (UTC when unknown)."""
    try:
        zone = ZoneInfo(tz) if tz else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return datetime.combine(day, DEADLINE_TIME, tzinfo=zone).astimezone(UTC)


async def _bounded(items: Iterable[T], work: Callable[[T], Awaitable[R]], method: str) -> list[R]:
    """``work`` on every item, at most `FANOUT_CONCURRENCY` at a time and paced to the rate
    Slack allows ``method``, the Web API method ``work`` calls (`bot.pacing`), results in order."""
    gate = asyncio.Semaphore(FANOUT_CONCURRENCY)

    async def one(item: T) -> R:
        async with gate:
            await turn()
            return await work(item)

    with paced(Pace(method)):  # the calls within work (retries too) tell it how they went
        return list(await asyncio.gather(*(one(item) for item in items)))
