"""Delphi follow-ups: re-ask a closed round's disagreements until the group agrees or its
answers are stable (see "Delphi follow-up" in bot/analysis.py for the numbers).

A follow-up is a round of its own (``followup_of`` the first round, ``iteration`` 2, 3, …): the
first round's framework snapshot narrowed to the areas re-asked, today's level only, for
everyone who gave the first round a level (in any area). Its announcement, invitations and
summary go through the exactly-once posts like any round's. An area fewer than the minimum
answered anew is withheld in it (see `Followups.settled`). When it closes, the first round's
stored report is updated with the agreed levels (each area from the latest iteration that
showed it), and that report goes into the follow-up summary's thread.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import replace

from slack_sdk.models.blocks import Block

from bot.analysis import Report, Shift, shifts
from bot.answers import AreaAnswer
from bot.i18n import t
from bot.model import (
    FollowupExists,
    Invitee,
    PostKey,
    PostKind,
    Round,
    RoundAlreadyOpen,
    RoundNotOpen,
    RoundStatus,
    followup_number,
)
from bot.posts import Outgoing
from bot.render.blocks.delphi import followup_blocks, followup_text
from bot.render.blocks.summary import summary_blocks, summary_text
from bot.render.report import render_markdown
from bot.rounds import FanOut, Refusal, Rounds, announce_refusal
from bot.slack_api import SlackCallFailed, SlackUser

log = logging.getLogger(__name__)

Answers = Mapping[str, Mapping[str, AreaAnswer]]


class Followups:
    """Start, close and summarise a round's Delphi follow-ups."""

    def __init__(self, rounds: Rounds) -> None:
        self.rounds, self.store = rounds, rounds.store
        rounds.followups = self

    async def start_latest(
        self, team_id: str, channel_id: str, caller: SlackUser
    ) -> tuple[Round, FanOut]:
        """``/cx-assess followup``: follow up the channel's latest closed round."""
        for round_ in await self.store.rounds_in_channel(team_id, channel_id):
            if round_.status is RoundStatus.CLOSED:
                return await self.start(round_, caller)
        raise Refusal("followup_no_round")

    async def start(self, previous: Round, caller: SlackUser) -> tuple[Round, FanOut]:
        """Start the next iteration after ``previous`` (closed): its lead only, while areas are
        still split (and, after a follow-up, not yet stable)."""
        if previous.status is not RoundStatus.CLOSED:
            raise Refusal("followup_not_closed")
        await self.rounds.authorize(previous, caller)
        areas = await self.open_areas(previous)
        if not areas:
            raise Refusal("followup_nothing")
        # Everyone who gave the first round a level anywhere, also outside the split areas:
        # a list of only those with a level there would tell who answered "not sure" or skipped.
        invitees = [
            Invitee(p.user_id, p.locale, p.tz)
            for p in await self.store.participants(previous.followup_of or previous.id)
            if any(isinstance(a.current, int) for a in p.state.answers.values())
        ]
        framework = replace(
            previous.framework,
            areas=tuple(a for a in previous.framework.areas if a.id in areas),
            ask_target=False,
            ask_importance=False,
        )
        try:
            round_ = await self.store.create_round(
                team_id=previous.team_id,
                channel_id=previous.channel_id,
                framework=framework,
                started_by=caller.id,
                participants=invitees,
                lang=previous.lang,
                min_responses=previous.min_responses,
                now=self.rounds.clock(),
                announced=True,
                followup_of=previous.followup_of or previous.id,
                iteration=previous.iteration + 1,
            )
        except RoundAlreadyOpen:
            raise Refusal("round_already_open", framework=framework.id) from None
        except FollowupExists:
            raise Refusal("followup_exists") from None
        try:
            await self.rounds.announce(round_)
        except SlackCallFailed as exc:
            raise announce_refusal(exc, previous.channel_id) from None
        return round_, await self.rounds.fan_out(round_)

    async def open_areas(self, round_: Round) -> list[str]:
        """The areas a next iteration re-asks: the disagreements of a first round; after a
        follow-up, those still split and not stable (the stop rule)."""
        if round_.followup_of is None:
            report = await self.rounds.analyse(round_)
            return [r.id for r in report.areas if r.disagreement]
        return [s.area.id for s in (await self.shifts(round_))[1] if s.open]

    async def shifts(self, round_: Round) -> tuple[Report, tuple[Shift, ...]]:
        """A follow-up's own report, and how each area moved since the previous iteration."""
        assert round_.followup_of is not None
        before_round = await self.store.iteration_round(round_.followup_of, round_.iteration - 1)
        first = await self.store.get_round(round_.followup_of)
        assert before_round is not None and first is not None  # never deleted, only cancelled
        # Where each person stood: a withheld area's few replies never count (see `settled`).
        before = (await self.standing(first, before_round))[0]
        after = await self.store.answers(round_.id)
        settled = await self.settled(round_, after)
        carried = _carried(before, after, settled)
        earlier = await self.rounds.analyse(before_round, before)
        report = await self.rounds.analyse(round_, carried)
        moved = shifts(earlier, report, before, after, lead=round_.started_by)
        hidden = {s.area.id for s in moved if not s.shown}  # counts would show the movement
        if hidden:  # judged again as areas without counts: "settled" may say no more either
            report = await self.rounds.analyse(round_, carried, hidden=hidden)
            moved = shifts(earlier, report, before, after, lead=round_.started_by)
        moved = tuple(s if s.area.id in settled else _withheld(s) for s in moved)
        return report, moved

    async def settled(self, round_: Round, replies: Answers) -> list[str]:
        """The areas of follow-up ``round_`` whose new ``replies`` may be shown: those where at
        least ``min_responses`` people besides the lead gave a new level (the first round's
        rule). With fewer, the levels carried forward would hide how few replied, and the
        follow-up would show what those few did: such an area is withheld in the follow-up
        (no level, no verdict, no comments) and left out of the agreed levels."""
        own = await self.rounds.analyse(round_, replies)  # the replies alone, without those kept
        return [r.id for r in own.areas if not r.below_min_responses]

    async def close(
        self, round_: Round, *, force: bool = False, seen: Collection[str] | None = None
    ) -> Report:
        """Close the follow-up, update the first round's report, post the follow-up summary
        (``force`` and ``seen`` as for `Rounds.close`)."""
        assert round_.followup_of is not None
        report = (await self.shifts(round_))[0]
        if not force:
            await self.rounds.warn_if_withheld(round_, report, overall=False, seen=seen)
        first = await self.store.get_round(round_.followup_of)
        assert first is not None
        agreed = await self.agreed(first, round_)
        try:
            await self.store.close_followup(
                round_.id,
                report.to_dict(round_.lang),
                first.id,
                agreed.to_dict(first.lang),
                self.rounds.clock(),
            )
        except RoundNotOpen:
            raise Refusal("no_open_round") from None
        closed = await self.store.get_round(round_.id)
        assert closed is not None
        try:
            await self.publish(closed)
        except SlackCallFailed as exc:
            log.error("round %s: follow-up summary not posted yet: %s", round_.id, exc)
            key = "summary_unconfirmed" if exc.uncertain else "summary_pending"
            raise Refusal(key, error=exc.error) from None
        return report

    async def agreed(self, first: Round, latest: Round) -> Report:
        """The first round's report with each re-asked area's level as it stands after
        ``latest`` (`standing`). Participation stays the first round's."""
        return (await self._as_it_stands(first, latest))[0]

    async def whole(self, latest: Round) -> tuple[Round, Report, Answers]:
        """The whole round as it stands after the follow-up ``latest`` (``results`` and
        ``export``): its first round, that round's report with the levels settled so far
        (`agreed`) and everyone's answers as they stand (`standing`)."""
        assert latest.followup_of is not None
        first = await self.store.get_round(latest.followup_of)
        assert first is not None
        return first, *await self._as_it_stands(first, latest)

    async def _as_it_stands(self, first: Round, latest: Round) -> tuple[Report, Answers]:
        answers, iterations = await self.standing(first, latest)
        own = await self.rounds.analyse(first)
        # A settled area's counts beside the earlier ones would show how answers moved: kept
        # from people where the iteration that settled it did not show its movement either.
        hidden: set[str] = set()
        for later in await self.store.followups(first.id):
            if later.iteration in iterations.values() and later.iteration <= latest.iteration:
                settled_by = (await self.shifts(later))[0].areas
                hidden |= {
                    r.id
                    for r in settled_by
                    if r.counts_hidden and iterations.get(r.id) == later.iteration
                }
        report = await self.rounds.analyse(first, answers, hidden=hidden)
        return replace(report, participants=own.participants, iterations=iterations), answers

    async def standing(self, first: Round, latest: Round) -> tuple[Answers, dict[str, int]]:
        """Each person's answers after the iterations up to ``latest`` (the first round itself:
        its own answers): in each re-asked area, the level from the latest iteration that showed
        it (see `settled`), else the earlier one; who did not answer an iteration keeps their
        previous level. Also the iteration each changed area's levels come from."""
        answers = {p: dict(a) for p, a in (await self.store.answers(first.id)).items()}
        iterations: dict[str, int] = {}
        for later in await self.store.followups(first.id):
            if later.iteration > latest.iteration or (
                later.status is not RoundStatus.CLOSED and later.id != latest.id
            ):
                continue
            replies = await self.store.answers(later.id)
            settled = await self.settled(later, replies)
            given = _carried(answers, replies, settled)
            for area_id in settled:
                iterations[area_id] = later.iteration
                for person, per_area in answers.items():
                    reply = given.get(person, {}).get(area_id)
                    earlier = per_area.get(area_id, AreaAnswer())
                    per_area[area_id] = replace(earlier, current=reply.current if reply else None)
        return answers, iterations

    async def publish(self, round_: Round) -> None:
        """Post the follow-up's summary once (consensus before → after, moved answers,
        stability, the stop rule, and a button for the next iteration while areas are open)."""
        assert round_.followup_of is not None
        lang = round_.lang
        report, moved = await self.shifts(round_)
        payload: dict[str, object] = {
            "framework": round_.framework.id,
            "followup_of": round_.followup_of,
            "iteration": round_.iteration,
            "areas": [s.area.id for s in moved],
            "open": [s.area.id for s in moved if s.open],
        }
        out = Outgoing(round_.channel_id, *_summary(round_, report, moved, lang), payload)
        sent = await self.rounds.posts.deliver(PostKey(round_.id, PostKind.SUMMARY), out)
        if sent is None:
            return  # posted before, or being posted by another attempt
        first = await self.store.get_round(round_.followup_of)
        assert first is not None
        agreed = await self.agreed(first, round_)
        try:  # the summary itself is out; the updated report is an extra
            await self.rounds.slack.upload(
                round_.channel_id,
                filename="cx-assess-report.md",
                content=render_markdown(agreed, first.lang),
                title=t(lang, "followup_report_title"),
                thread_ts=sent.ts,
            )
        except SlackCallFailed as exc:
            log.error("round %s: updated report not attached: %s", round_.id, exc)
        if round_.iteration in agreed.iterations.values():  # it settled an area's level
            await self._refresh(first, agreed, round_.iteration)
        self.rounds.farewell(round_, "thanks_closed")

    async def _refresh(self, first: Round, agreed: Report, iteration: int) -> None:
        """The first round's channel summary shows what the follow-up settled, saying so, and
        no *Follow up* button (the follow-up's own summary has the next one); cosmetic: a
        failure is logged, and the follow-up's own summary and report are out already."""
        if first.summary_ts is None:
            return
        text, blocks = as_it_stands(first, agreed, first.lang)
        try:
            await self.rounds.slack.update(first.channel_id, first.summary_ts, text, blocks)
        except SlackCallFailed as exc:
            log.warning("round %s: summary not brought up to date: %s", first.id, exc.error)

    def started_text(self, round_: Round, fan_out: FanOut, lang: str) -> str:
        """What the lead learns after starting a follow-up."""
        head = t(lang, "followup_started", followup=followup_number(round_.iteration))
        return f"{head}\n{self.rounds.fan_out_report(fan_out, lang)}"


def as_it_stands(first: Round, agreed: Report, lang: str) -> tuple[str, list[Block]]:
    """The first round's summary with the levels follow-ups settled (`Followups.agreed`), saying
    after which follow-up; no *Follow up* button (the next iteration starts from the follow-up's
    own summary)."""
    settled = max(agreed.iterations.values(), default=1)
    note = t(lang, "summary_updated", followup=followup_number(settled)) if settled > 1 else None
    blocks = summary_blocks(agreed, lang, round_id=first.id, follow_up=False, note=note)
    return summary_text(agreed, lang), blocks


def _carried(before: Answers, after: Answers, areas: Collection[str]) -> Answers:
    """``after`` with the previous level in each of ``areas`` kept for who gave no new reply
    there (the Delphi rule: not answering an iteration keeps one's answer)."""
    result = {person: dict(per_area) for person, per_area in after.items()}
    for person, per_area in before.items():
        for area_id in areas:
            level = per_area.get(area_id, AreaAnswer()).current
            now = result.get(person, {}).get(area_id, AreaAnswer())
            if isinstance(level, int) and now.current is None:
                result.setdefault(person, {})[area_id] = replace(now, current=level)
    return result


def _withheld(shift: Shift) -> Shift:
    """An area withheld in the follow-up (see `Followups.settled`): nothing of its few replies,
    and still split as far as anyone can tell (the first round's summary keeps showing it so),
    so the next iteration may ask it again."""
    return replace(
        shift,
        consensus_after=None,
        pairs=0,
        moved=0,
        unchanged=None,
        kappa=None,
        agreed=False,
        stable=False,
        disagreement=True,
        shown=False,
    )


def _summary(
    round_: Round, report: Report, moved: tuple[Shift, ...], lang: str
) -> tuple[str, list[Block]]:
    return (
        followup_text(report, round_.iteration, lang),
        followup_blocks(report, moved, round_.iteration, lang, round_id=round_.id),
    )
