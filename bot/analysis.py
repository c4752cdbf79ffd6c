"""Aggregate a round's answers into a report: levels, agreement, stage, gaps, roadmap and trend.

Pure: no I/O, no Slack, no SQL. Rules, so that every number can be checked by hand:

- Only whole-number replies count as levels; ``not_sure``, ``skipped`` and unanswered never do.
  ``n`` is the number of people who gave a current level for an area.
- Median of an even count is the mean of the two middle values (so it may be ``x.5``).
- Gap = target median - current median; when the framework asks no target, top level - current
  median. It is null when the area has no current level (or, with targets, no target level).
- Consensus (Tastle & Wierman): ``1 + sum(p_i * log2(1 - |X_i - mean| / d))`` with ``d`` the top
  minus the bottom level; 1.0 when everyone agrees (also with one answer), null with none.
  ``rwg`` (James, Demaree & Wolf): ``1 - s^2 / ((A^2 - 1) / 12)`` for ``A`` scale levels and the
  sample variance ``s^2``, clipped to [0, 1]; null with fewer than two answers. An area shows
  disagreement (its answers *split*) when it has two or more answers and its consensus is below
  the threshold (the argument, else the framework's, else 0.7), or when its median is not
  *placed*: a level nobody chose, or between two levels not both chosen (`placed`). Agreement in words, with two or more answers: low
  below the threshold (a disagreement), strong at or above 0.8 (or the threshold when higher),
  moderate in between. Agreement is judged only among at least `unanimity_floor` answers
  besides the lead's (5 on three levels at 0.7, 2 on four): among fewer, only answers that are
  all alike reach the threshold, so "agreed" would be everyone's answer, and only one set of
  answers leaves the median unplaced (4 on three levels: 1, 1, 3, 3), so a split would be
  everyone's answers. Nor, without counts, a median between two levels (1.5 among four agrees
  only as 1, 1, 2, 2). Where counts show (`counts_shown`), or with a minimum of 1 (nobody is
  anonymous then), every area is judged. Not judged: ``consensus``, ``rwg`` and the word are
  null and nothing splits: the area shows its median alone (``unjudged``), placed or not.
- Effective weight = the area's weight, times (when the framework asks importance) the mean
  importance given for it (1 low, 2 medium, 3 high), or 2 when nobody gave one or when the area
  has too few answers for its counts to show (`counts_shown`: the mean is not shown then, so
  it may not order the roadmap or move the score either).
- Anonymity: an area with fewer than ``min_responses`` current levels is withheld
  (``below_min_responses``; with ``n`` 0 it simply has no answers). When the round's ``lead``
  took part in it (replied anything), every area needs the minimum besides the lead's
  (`needed`): the lead could subtract their own and learn the others' answers as a set, and
  deciding per area would tell everyone where the lead gave no level. With one or two people a
  median, a mean or a consensus is somebody's answer, so a withheld area keeps only its counts
  (``n``, ``not_sure``, ``skipped``): ``distribution``, ``spread``, ``comments``, ``current``,
  ``target``, ``importance``, ``gap``, ``consensus`` and ``rwg`` are null, ``disagreement`` is
  false and its effective weight ignores importance (as if nobody gave one). The target and the
  importance have the same minimum each (`needed`: one target beside three levels is that
  person's target): with fewer, that row's median is null, so the area has no ``gap`` (and a
  place in the roadmap only while it holds the stage back) or a weight as if nobody gave an importance. A shown area's
  comments are sorted alphabetically so their order cannot reveal who wrote them. How many chose
  each level is for people to read only with ``COUNTS_MARGIN`` answers beyond the minimum
  (`counts_shown`); the JSON keeps the ``distribution`` of every shown area.
- Overall stage (the staged rule of maturity models): the highest scale level that every shown,
  agreed area's current median has reached (withheld areas, areas without a level and split
  areas, `Overall.split`, left out: a split area has no level to place; with every shown area
  split there is no stage). It is *close to* the next level when at least 75 % of those areas are
  at that level or above; those below the next level hold it back. Overall score = weighted mean of the placed
  (shown, not split) areas' current medians, a secondary figure (the trend compares it); none
  when every shown area splits (a split's median is shown nowhere: `Overall.shown` tells). Weakest areas: every placed
  area at the lowest current median (all of a tie, framework order). With fewer than
  ``min_responses`` respondents the overall is withheld too (no score, stage or weakest areas;
  no area can then be shown anyway).
- Roadmap (top gaps): shown areas with a positive gap whose answers do not split (a split area
  has no level to advise from: agree on where it is first); first those holding the overall
  stage back (``Overall.holding_back``), then the rest, each by gap x effective weight (highest
  first); entries with an equal gap x weight and standing share a rank (a tie), listed lower
  current median first, then lower consensus (only where counts may show: `tie_consensus`),
  then framework order. An area holding the stage
  back without a target (withheld, or nobody gave one) keeps its next step (``Gap.gap`` and
  ``target`` None), and so does one at the scale's lowest level whose target is not above it
  (``Gap.gap`` 0 or less: the level people rated as where to act first), ranked after those of them with a gap by the step's size x weight. The next step is the first level above the
  current median: its actions (``area.actions[next_value]``, empty when the framework has none)
  and the area's description of that level.
- Responded = gave a current level for at least one area; completed = responded and gave a
  current reply (a level, not sure or skipped) for every area, so completed never exceeds
  responded: someone who skipped (or was not sure about) every area is neither. Answers for areas
  the framework does not have are ignored.
- Delphi follow-up (`shifts`): per area re-asked, consensus before -> after, and for the people
  who gave a level in both iterations (the pairs) how many answers moved, the share unchanged
  and Cohen's weighted kappa with linear weights ``1 - |i - j| / (k - 1)`` over the scale's
  ``k`` levels (null when chance agreement is already total, e.g. everyone gave one level both
  times). A person who did not answer an iteration keeps their previous level (the follow-up's
  report and the agreed levels use it) but is no pair; so that kept levels cannot make a few
  replies look many, a follow-up shows an area only when ``min_responses`` people besides the
  lead gave it a new level (`bot.delphi.Followups.settled` runs `analyse` on the new replies
  alone). People read these numbers (``shown``)
  only for a shown area with ``min_responses + COUNTS_MARGIN`` pairs besides the lead's. An
  area is *agreed* when its consensus after is at or above the threshold and *stable* when at
  least `STABLE_SHARE` of its pairs are unchanged and its movement is shown (among fewer pairs
  "stable" would say who did not move); a further iteration re-asks only the areas
  that are still a disagreement and not stable (the stop rule).
- Trend compares the overall score and each placed area's current median with a `Baseline` of
  the same framework id; a change is null where either side is, so also where the area is
  withheld or split now or was then (a baseline keeps no median of a split area).

Floats are kept exact in the typed report and rounded to 3 decimals only by `Report.to_dict`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import cache
from itertools import pairwise
from typing import Any

from bot.answers import AreaAnswer, Mark, Reply
from bot.frameworks import DEFAULT_LANGUAGE, LANGUAGES, Area, Framework, Level, Text

SCHEMA = 4
READABLE_SCHEMAS = (1, 2, 3, 4)  # a baseline reads only fields both have
DEFAULT_CONSENSUS_THRESHOLD = 0.7
STRONG_AGREEMENT = 0.8
CLOSE_SHARE = 0.75  # the share of shown areas at the next level that makes the stage "close" to it
DEFAULT_MIN_RESPONSES = 3
COUNTS_MARGIN = 2  # a split's counts need this many answers beyond the minimum (`counts_shown`)
IMPORTANCE_VALUES = (1, 2, 3)
MEDIUM_IMPORTANCE = 2.0
STABLE_SHARE = 0.8
"""A Delphi follow-up stops for an area once at least this share of its answers is unchanged."""
FLOOR_CAP = 10_000  # `unanimity_floor` when no number of answers is enough


class Agreement(StrEnum):
    """How far people agree on an area, in words (see the module docstring for the cut-offs)."""

    STRONG = "strong"
    MODERATE = "moderate"
    LOW = "low"


@dataclass(frozen=True)
class Stat:
    """Central tendency of a set of levels."""

    median: float
    mean: float


@dataclass(frozen=True)
class AreaResult:
    """Everything the report says about one area."""

    area: Area
    n: int
    not_sure: int
    skipped: int
    below_min_responses: bool
    distribution: Mapping[int, int] | None
    current: Stat | None
    target: Stat | None
    importance: Stat | None
    gap: float | None
    spread: tuple[int, int] | None
    consensus: float | None
    rwg: float | None
    disagreement: bool
    agreement: Agreement | None
    weight: float
    comments: tuple[str, ...] | None
    counts_hidden: bool = False  # `analyse`'s ``hidden``

    @property
    def id(self) -> str:
        return self.area.id

    @property
    def unjudged(self) -> bool:
        """Shown with two or more answers, yet too few for agreement (`unanimity_floor`)."""
        return not self.below_min_responses and self.n >= 2 and self.consensus is None


@dataclass(frozen=True)
class Overall:
    """The whole framework's stage, why it is that, and a score; empty when no area is shown
    (and without a stage or a score, but with its ``split`` areas, when every shown area is
    split: a split area's median is shown nowhere, not even inside the score)."""

    score: float | None
    stage: Level | None
    next_stage: Level | None
    """The level above the stage; None at the top of the scale or without a stage."""
    rated: int
    """How many shown areas have a level (the areas the stage rule looks at)."""
    holding_back: tuple[Area, ...]
    """The shown areas below the next stage, framework order."""
    weakest_areas: tuple[Area, ...]
    """Every shown area at the lowest current median (a tie keeps them all), framework order."""
    weakest_level: float | None
    split: tuple[Area, ...] = ()
    """The shown areas whose answers split, so that no level places them, framework order."""

    @property
    def shown(self) -> bool:
        """Whether any area is shown (placed or split): else the overall is withheld."""
        return self.rated > 0 or bool(self.split)

    @property
    def at_next(self) -> int:
        """How many shown areas are at the next stage or above."""
        return self.rated - len(self.holding_back)

    @property
    def close(self) -> bool:
        """At least `CLOSE_SHARE` of the shown areas already reach the next stage."""
        return self.next_stage is not None and self.at_next >= CLOSE_SHARE * self.rated


@dataclass(frozen=True)
class Gap:
    """One roadmap entry: an area below its target, the level to reach next and how."""

    area: Area
    rank: int
    """1 for the first; entries with an equal gap x weight share a rank (a tie)."""
    gap: float | None
    """None when the target is withheld (fewer than the minimum gave one); 0 or less when it is
    not above today at the scale's lowest level: an area holding the overall stage back keeps its
    next step all the same."""
    current: float
    target: float | None
    next_value: int
    next_step: Text
    actions: tuple[Text, ...]

    @property
    def id(self) -> str:
        return self.area.id


@dataclass(frozen=True)
class Participation:
    """How many people were invited, answered something and answered everything."""

    invited: int
    responded: int
    completed: int


@dataclass(frozen=True)
class Change:
    """The overall score now against the previous round; ``change`` is null when either is."""

    previous: float | None
    current: float | None
    change: float | None


@dataclass(frozen=True)
class AreaChange:
    """An area's current median now against the previous round."""

    area: Area
    previous: float | None
    current: float | None
    change: float | None


@dataclass(frozen=True)
class Trend:
    """Changes since the previous round of the same framework."""

    overall: Change
    areas: tuple[AreaChange, ...]


@dataclass(frozen=True)
class Settings:
    """The thresholds the report was computed with."""

    min_responses: int
    consensus_threshold: float


@dataclass(frozen=True)
class Baseline:
    """What a later round is compared with: the overall score and each shown area's median."""

    framework_id: str
    overall: float | None
    areas: Mapping[str, float | None]

    @classmethod
    def from_report_dict(cls, data: Mapping[str, Any]) -> Baseline:
        """Read a baseline from a dict produced by `Report.to_dict` (e.g. a stored JSON report).

        An area marked ``below_min_responses`` has no median here, also in reports stored before
        such areas were withheld entirely.
        """
        try:
            if data["schema"] not in READABLE_SCHEMAS:
                raise ValueError(f"unsupported report schema {data['schema']!r}")
            areas = {
                str(a["id"]): _opt_float(
                    a["current"]["median"]
                    if a["current"]
                    and not a.get("below_min_responses")
                    and not a.get("disagreement")
                    else None
                )
                for a in data["areas"]
            }
            return cls(str(data["framework"]["id"]), _opt_float(data["overall"]["score"]), areas)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an analysis report: missing or malformed {exc}") from None


@dataclass(frozen=True)
class ActionNote:
    """An action the team took on for an area after an earlier round (bot/plan.py): done by
    this round's close, or still open then."""

    area_id: str
    what: str
    owner: str
    owner_name: str
    due: date
    done: bool


@dataclass(frozen=True)
class Report:
    """The analysis of one round; `to_dict` gives the public JSON (``schema`` 4)."""

    framework: Framework
    settings: Settings
    participants: Participation
    areas: tuple[AreaResult, ...]
    overall: Overall
    top_gaps: tuple[Gap, ...]
    trend: Trend | None
    actions: tuple[ActionNote, ...] = ()
    """The actions made since the previous round (none outside Slack)."""
    iterations: Mapping[str, int] = field(default_factory=dict)
    """Area id -> the Delphi iteration its level came from (1, the round itself, when absent)."""

    @property
    def agreement_floor(self) -> int:
        """How many answers besides the lead's an area needs for its agreement to be judged."""
        return unanimity_floor(self.framework.scale.values, self.settings.consensus_threshold)

    def baseline(self) -> Baseline:
        """This round as the baseline for the next one (a split area has no median to compare:
        the next round's trend would show it)."""
        return Baseline(
            self.framework.id,
            self.overall.score,
            {r.id: _placed_median(r) for r in self.areas},
        )

    def to_dict(self, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """The report as JSON-ready data, texts in ``lang`` (English when unknown or missing)."""
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        fw, overall, stage = self.framework, self.overall, self.overall.stage
        return {
            "schema": SCHEMA,
            "framework": {"id": fw.id, "version": fw.version, "name": fw.name.get(lang)},
            "lang": lang,
            "settings": {
                "min_responses": self.settings.min_responses,
                "consensus_threshold": self.settings.consensus_threshold,
            },
            "participants": {
                "invited": self.participants.invited,
                "responded": self.participants.responded,
                "completed": self.participants.completed,
            },
            "overall": {
                "score": _round(overall.score),
                "stage": stage.value if stage else None,
                "stage_key": stage.key if stage else None,
                "stage_label": stage.label.get(lang) if stage else None,
                "next_stage": overall.next_stage.value if overall.next_stage else None,
                "close_to_next": overall.close,
                "areas_rated": overall.rated,
                "areas_at_next": overall.at_next if overall.next_stage else None,
                "holding_back": [a.id for a in overall.holding_back],
                "weakest_areas": [a.id for a in overall.weakest_areas],
                "weakest_level": _round(overall.weakest_level),
                "split_areas": [a.id for a in overall.split],
            },
            "areas": [
                {**_area_dict(r, lang), "iteration": self.iterations.get(r.id, 1)}
                for r in self.areas
            ],
            "top_gaps": [
                {
                    "area": g.area.id,
                    "name": g.area.name.get(lang),
                    "rank": g.rank,
                    "gap": _round(g.gap),
                    "current": _round(g.current),
                    "target": _round(g.target),
                    "next_level": g.next_value,
                    "next_step": g.next_step.get(lang),
                    "actions": [a.get(lang) for a in g.actions],
                }
                for g in self.top_gaps
            ],
            "trend": _trend_dict(self.trend) if self.trend else None,
            "actions": [
                {
                    "area": a.area_id,
                    "what": a.what,
                    "owner": a.owner,
                    "owner_name": a.owner_name,
                    "due": a.due.isoformat(),
                    "status": "done" if a.done else "open",
                }
                for a in self.actions
            ],
        }


def analyse(
    framework: Framework,
    answers: Mapping[str, Mapping[str, AreaAnswer]],
    *,
    invited: int,
    previous: Baseline | None = None,
    min_responses: int = DEFAULT_MIN_RESPONSES,
    consensus_threshold: float | None = None,
    actions: Iterable[ActionNote] = (),
    lead: str | None = None,
    hidden: Collection[str] = (),
) -> Report:
    """Analyse ``answers`` (participant key -> area id -> answer) against ``framework``;
    ``actions`` are carried into the report as they are; ``lead`` is the key of the person who
    sees the report first-hand (the round's lead), whose own levels never count toward
    ``min_responses``; the areas ``hidden`` keep their counts from people whatever their
    number (``counts_hidden``: a follow-up's, whose counts would show how answers moved), and
    are judged as such.

    ``ValueError`` when a setting is out of range or a reply is not a level of the scale.
    """
    if min_responses < 1:
        raise ValueError(f"min_responses must be at least 1, got {min_responses}")
    threshold = consensus_threshold
    if threshold is None:
        threshold = framework.consensus_threshold
    if threshold is None:
        threshold = DEFAULT_CONSENSUS_THRESHOLD
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"consensus_threshold must be between 0 and 1, got {threshold}")

    # One pass over every answer: count replies per value; statistics come from the counts.
    tallies: dict[str, tuple[dict[Any, int], dict[Any, int], dict[Any, int], list[str]]] = {
        area.id: ({}, {}, {}, []) for area in framework.areas
    }
    area_count = len(framework.areas)
    responded = completed = 0
    for per_area in answers.values():
        has_level = False
        replied = 0
        for area_id, answer in per_area.items():
            tally = tallies.get(area_id)
            if tally is None:
                continue
            current_counts, target_counts, importance_counts, comments = tally
            reply: Any = answer.current
            if reply is not None:
                replied += 1
                current_counts[reply] = current_counts.get(reply, 0) + 1
                if not has_level and reply.__class__ is int:
                    has_level = True
            if (reply := answer.target) is not None:
                target_counts[reply] = target_counts.get(reply, 0) + 1
            if (reply := answer.importance) is not None:
                importance_counts[reply] = importance_counts.get(reply, 0) + 1
            if answer.comment:
                comments.append(answer.comment)
        responded += has_level
        completed += has_level and replied == area_count

    took_part = lead is not None and bool(answers.get(lead))  # any reply at all, as `status` tells
    results = tuple(
        _area_result(
            framework,
            area,
            *tallies[area.id],
            min_responses,
            took_part,
            threshold,
            hidden=area.id in hidden,
        )
        for area in framework.areas
    )
    overall = _overall(framework, results) if responded >= min_responses else _NO_OVERALL
    report = Report(
        framework=framework,
        settings=Settings(min_responses, threshold),
        participants=Participation(invited, responded, completed),
        areas=results,
        overall=overall,
        top_gaps=_top_gaps(
            framework, results, {area.id for area in overall.holding_back}, min_responses
        ),
        trend=None,
        actions=tuple(actions),
    )
    if previous is None or previous.framework_id != framework.id:
        return report
    return _with_trend(report, previous)


# --------------------------------------------------------------------------- per area


def needed(min_responses: int, lead_took_part: bool) -> int:
    """How many replies a row of an area (today's level, the target, the importance) needs to
    be shown: ``min_responses`` from people other than the lead, so one more whenever the lead
    took part in the round (the lead knows their own), whatever the lead replied there: counting
    the lead out only where the lead gave a value would let an area shown with exactly the
    minimum tell everyone that the lead gave it none."""
    return min_responses + 1 if lead_took_part else min_responses


@cache
def unanimity_floor(values: tuple[int, ...], threshold: float) -> int:
    """The fewest answers among which agreement can be judged without giving away that everyone
    gave the same level: the closest split there is (all but one on a level, one on the nearest
    other) reaches ``threshold``. Among fewer (4 on three levels at 0.7), an area that does not
    split is one where everyone answered alike, so `_area_result` judges no agreement there.
    ``FLOOR_CAP`` when no number of answers reaches it (a threshold of 1.0)."""
    if len(values) < 2:
        return 1
    near, other = min(pairwise(values), key=lambda pair: pair[1] - pair[0])
    width = values[-1] - values[0]
    for n in range(2, FLOOR_CAP):
        counts = {near: n - 1, other: 1}
        summary = _summarise(counts)
        assert summary is not None
        if _consensus(counts, summary, width) >= threshold:
            return n
    return FLOOR_CAP


def placed(median: float, distribution: Mapping[int, int]) -> bool:
    """Whether a median names answers people gave: a level somebody chose, or the midpoint of
    two neighbouring levels both chosen. Else (1, 1, 3, 3 has the median 2) the answers split."""
    chosen = [value for value, count in distribution.items() if count]
    below = max((v for v in distribution if v <= median), default=None)
    above = min((v for v in distribution if v >= median), default=None)
    return below in chosen and above in chosen


@dataclass(frozen=True)
class _Summary:
    """Statistics of a set of levels, computed from counts per level."""

    n: int
    median: float
    mean: float
    variance: float  # sample variance (n - 1 denominator); 0.0 when n == 1
    low: int
    high: int


def _summarise(counts: Mapping[int, int]) -> _Summary | None:
    """Summarise ``counts`` (level -> how many, levels ascending); None when there are none."""
    present = [(value, count) for value, count in counts.items() if count]
    n = sum(count for _, count in present)
    if n == 0:
        return None
    mean = sum(value * count for value, count in present) / n
    variance = (
        sum(count * (value - mean) ** 2 for value, count in present) / (n - 1) if n > 1 else 0.0
    )
    lower_index, upper_index = (n - 1) // 2, n // 2
    lower = upper = present[-1][0]
    seen = 0
    for value, count in present:
        if seen <= lower_index < seen + count:
            lower = value
        if seen <= upper_index < seen + count:
            upper = value
            break
        seen += count
    return _Summary(n, (lower + upper) / 2, mean, variance, present[0][0], present[-1][0])


def _level_counts(
    counts: Mapping[Any, int], values: Iterable[int], area: Area, ask: str
) -> dict[int, int]:
    """The counts of the whole-number replies, for every value in ``values`` (ascending)."""
    allowed = tuple(values)
    for reply in counts:
        if isinstance(reply, int) and reply not in allowed:
            raise ValueError(
                f"area '{area.id}': {ask} {reply} is not one of the levels "
                f"{', '.join(str(v) for v in allowed)}"
            )
    return {value: counts.get(value, 0) for value in allowed}


def _consensus(counts: Mapping[int, int], summary: _Summary, width: int) -> float:
    """Tastle & Wierman's consensus measure, 1.0 for full agreement."""
    if width <= 0:
        return 1.0
    total = sum(
        count / summary.n * math.log2(1 - abs(value - summary.mean) / width)
        for value, count in counts.items()
        if count
    )
    return min(1.0, max(0.0, 1 + total))


def _rwg(summary: _Summary, level_count: int) -> float | None:
    """James, Demaree & Wolf's within-group agreement against a uniform null distribution."""
    if summary.n < 2:
        return None
    expected = (level_count**2 - 1) / 12
    return min(1.0, max(0.0, 1 - summary.variance / expected))


def _area_result(
    framework: Framework,
    area: Area,
    current_counts: Mapping[Any, int],
    target_counts: Mapping[Any, int],
    importance_counts: Mapping[Any, int],
    raw_comments: list[str],
    min_responses: int,
    lead_took_part: bool,
    threshold: float,
    *,
    hidden: bool = False,
) -> AreaResult:
    scale = framework.scale
    # Every reply is checked against the scale, also in an area that will be withheld.
    distribution = _level_counts(current_counts, scale.values, area, "current level")
    targets = (
        _level_counts(target_counts, scale.values, area, "target level")
        if framework.ask_target
        else None
    )
    importances = (
        _level_counts(importance_counts, IMPORTANCE_VALUES, area, "importance")
        if framework.ask_importance
        else None
    )
    current = _summarise(distribution)
    n = current.n if current else 0
    not_sure = current_counts.get(Mark.NOT_SURE, 0)
    skipped = current_counts.get(Mark.SKIPPED, 0)
    if current is None or n < needed(min_responses, lead_took_part):
        # Withheld (or nobody gave a level): nothing but counts, see the module docstring.
        medium = MEDIUM_IMPORTANCE if framework.ask_importance else 1.0
        return AreaResult(
            area=area,
            n=n,
            not_sure=not_sure,
            skipped=skipped,
            below_min_responses=True,
            distribution=None,
            current=None,
            target=None,
            importance=None,
            gap=None,
            spread=None,
            consensus=None,
            rwg=None,
            disagreement=False,
            agreement=None,
            weight=area.weight * medium,
            comments=None,
        )

    # Each row has its own minimum: one target among three levels is that person's target.
    target = _at_least(targets, needed(min_responses, lead_took_part))
    importance = _at_least(importances, needed(min_responses, lead_took_part))
    gap: float | None = None
    if not framework.ask_target:
        gap = scale.top - current.median
    elif target is not None:
        gap = target.median - current.median
    # Where counts may show, everything else about the answers may too; else only the median.
    counted = _answers_may_show(n, min_responses, hidden)
    weight = area.weight
    if framework.ask_importance:  # a hidden mean must not order the roadmap or move the score
        weight *= importance.mean if importance and counted else MEDIUM_IMPORTANCE
    comments = (c.strip() for c in raw_comments)
    # Without counts, agreement is judged only where it says no more than the median does:
    # among fewer than the floor besides the lead only everyone alike reaches the threshold, and
    # a median between two levels that agree can only be half on each (1, 1, 2, 2). There the
    # median shows alone, never split (a minimum of 1 keeps nobody anonymous anyway).
    leads = int(lead_took_part)
    judged = counted or (
        n - leads >= unanimity_floor(scale.values, threshold) and current.median.is_integer()
    )
    consensus: float | None = None
    rwg: float | None = None
    disagreement = False
    if judged:
        consensus = _consensus(distribution, current, scale.top - scale.bottom)
        rwg = _rwg(current, len(scale.levels))
        unplaced = not placed(current.median, distribution)
        disagreement = n >= 2 and (consensus < threshold or unplaced)
    return AreaResult(
        area=area,
        n=n,
        not_sure=not_sure,
        skipped=skipped,
        below_min_responses=False,
        distribution=distribution,
        current=_stat(current),
        target=_stat(target),
        importance=_stat(importance),
        gap=gap,
        spread=(current.low, current.high),
        consensus=consensus,
        rwg=rwg,
        disagreement=disagreement,
        agreement=_agreement(n, consensus, threshold, disagreement),
        weight=weight,
        comments=tuple(sorted(filter(None, comments), key=_alphabetical)),
        counts_hidden=hidden,
    )


def _at_least(counts: Mapping[int, int] | None, least: int) -> _Summary | None:
    """The summary of a row's replies when there are at least ``least`` (else withheld)."""
    summary = _summarise(counts) if counts is not None else None
    return summary if summary is not None and summary.n >= least else None


def counts_shown(r: AreaResult, min_responses: int) -> bool:
    """Whether people may see how many chose each level of a shown area: only with at least
    ``min_responses + COUNTS_MARGIN`` answers. With fewer ("1 says 2, 1 says 3, 1 says 4" among
    three) the counts are everyone's answers, so sentences give the range instead."""
    return r.distribution is not None and _counts_may_show(r.n, min_responses, r.counts_hidden)


def _counts_may_show(n: int, min_responses: int, hidden: bool) -> bool:
    """The counts rule of `counts_shown`, for an area of ``n`` answers being analysed."""
    return not hidden and n >= min_responses + COUNTS_MARGIN


def _answers_may_show(n: int, min_responses: int, hidden: bool) -> bool:
    """Whether more than the median of an area's answers may be read: where its counts may
    show, or with a minimum of 1 (nobody is anonymous then)."""
    return _counts_may_show(n, min_responses, hidden) or (min_responses < 2 and not hidden)


def weighed_by_importance(report: Report, gaps: Sequence[Gap]) -> bool:
    """Whether how much people said the areas matter weighs one of ``gaps`` (the framework asks
    it, and that area's mean importance may be read): its order is then theirs too."""
    if not report.framework.ask_importance:
        return False
    ids = {gap.id for gap in gaps}
    return any(
        r.importance is not None
        and _answers_may_show(r.n, report.settings.min_responses, r.counts_hidden)
        for r in report.areas
        if r.id in ids
    )


def _agreement(
    n: int, consensus: float | None, threshold: float, disagreement: bool
) -> Agreement | None:
    if n < 2:
        return None  # one answer agrees with itself: no word for that
    if disagreement:
        return Agreement.LOW
    if consensus is None:
        return None  # not judged among so few (`unanimity_floor`)
    return Agreement.STRONG if consensus >= max(STRONG_AGREEMENT, threshold) else Agreement.MODERATE


def _stat(summary: _Summary | None) -> Stat | None:
    return Stat(summary.median, summary.mean) if summary else None


def _alphabetical(text: str) -> tuple[str, str]:
    return text.casefold(), text


# --------------------------------------------------------------------------- whole report


_NO_OVERALL = Overall(None, None, None, 0, (), (), None)


def _overall(framework: Framework, results: tuple[AreaResult, ...]) -> Overall:
    # Withheld areas have no current statistics, so they drop out here and in the roadmap.
    shown = [(r, r.current.median) for r in results if r.current and not r.below_min_responses]
    if not shown:
        return _NO_OVERALL
    split = tuple(r.area for r, _ in shown if r.disagreement)
    rated = [(r, median) for r, median in shown if not r.disagreement]
    if not rated:
        return replace(_NO_OVERALL, split=split)
    total_weight = sum(r.weight for r, _ in rated)
    score = sum(r.weight * median for r, median in rated) / total_weight
    lowest = min(median for _, median in rated)
    scale = framework.scale
    stage = [level for level in scale.levels if level.value <= lowest][-1]
    above = scale.next_value(stage.value)
    next_stage = scale.level(above) if above is not None else None
    return Overall(
        score=score,
        stage=stage,
        next_stage=next_stage,
        rated=len(rated),
        holding_back=tuple(r.area for r, m in rated if next_stage and m < next_stage.value),
        weakest_areas=tuple(r.area for r, median in rated if median == lowest),
        weakest_level=lowest,
        split=split,
    )


def _top_gaps(
    framework: Framework,
    results: tuple[AreaResult, ...],
    holding_back: set[str],
    min_responses: int,
) -> tuple[Gap, ...]:
    """The roadmap: first the areas that hold the overall stage back (below the next stage:
    raising them is what raises it), then the rest; within each, by gap x weight. An area
    holding the stage back whose target is withheld, or not above the lowest level it stands at,
    comes last of them, with its next step."""
    scale = framework.scale
    ranked: list[tuple[tuple[bool, bool, float], tuple[float, float], int, Gap]] = []
    for index, r in enumerate(results):
        if r.below_min_responses or r.current is None:
            continue
        if r.disagreement:  # no level to advise from: "Disagreements to discuss" has it
            continue
        held = r.id in holding_back
        aims_higher = r.gap is not None and r.gap > 0
        stuck = r.gap is None or r.current.median <= scale.bottom  # no target, or the lowest level
        if not (aims_higher or (held and stuck)):
            continue  # no target to aim at (withheld), or reached
        next_value = scale.next_value(r.current.median)
        assert next_value is not None  # below the next stage or a target: not at the top
        gap = Gap(
            area=r.area,
            rank=0,  # set below, once the order is known
            gap=r.gap,
            current=r.current.median,
            target=None if r.gap is None else r.target.median if r.target else float(scale.top),
            next_value=next_value,
            next_step=r.area.levels[next_value],
            actions=r.area.actions.get(next_value, ()),
        )
        # Without a target above today, the step to the next level stands in for the gap.
        # Rounded so that float noise cannot break a tie; framework order comes last.
        step = r.gap if aims_higher and r.gap is not None else next_value - r.current.median
        standing = (not held, not aims_higher, round(-step * r.weight, 9))
        order = (r.current.median, tie_consensus(r, min_responses))
        ranked.append((standing, order, index, gap))
    ranked.sort(key=lambda item: item[:3])
    gaps: list[Gap] = []
    for position, (standing, _, _, gap) in enumerate(ranked):
        tied = position and standing == ranked[position - 1][0]  # equal gap x weight
        gaps.append(replace(gap, rank=gaps[-1].rank if tied else position + 1))
    return tuple(gaps)


def tie_consensus(r: AreaResult, min_responses: int) -> float:
    """An area's consensus for ordering ties (roadmap, disagreements): only where its counts
    may show (`counts_shown`); else 1.0 for all alike, so that framework order decides and the
    order cannot tell which of few answers were all alike."""
    if r.consensus is None or not counts_shown(r, min_responses):
        return 1.0
    return round(r.consensus, 9)


def _with_trend(report: Report, previous: Baseline) -> Report:
    score = report.overall.score
    areas = []
    for r in report.areas:  # a withheld or split area shows no median: its change is null
        before = previous.areas.get(r.id)
        now = _placed_median(r)
        areas.append(AreaChange(r.area, before, now, _difference(now, before)))
    overall = Change(previous.overall, score, _difference(score, previous.overall))
    return replace(report, trend=Trend(overall, tuple(areas)))


def _placed_median(r: AreaResult) -> float | None:
    """An area's median where people may read it: shown and not split."""
    shown = r.current is not None and not r.below_min_responses and not r.disagreement
    return r.current.median if shown and r.current is not None else None


def _difference(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


# --------------------------------------------------------------------------- JSON


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _stat_dict(stat: Stat | None) -> dict[str, float | None] | None:
    return {"median": _round(stat.median), "mean": _round(stat.mean)} if stat else None


def _area_dict(r: AreaResult, lang: str) -> dict[str, Any]:
    return {
        "id": r.area.id,
        "name": r.area.name.get(lang),
        "n": r.n,
        "not_sure": r.not_sure,
        "skipped": r.skipped,
        "below_min_responses": r.below_min_responses,
        "distribution": (
            {str(value): count for value, count in r.distribution.items()}
            if r.distribution is not None
            else None
        ),
        "current": _stat_dict(r.current),
        "target": _stat_dict(r.target),
        "importance": _stat_dict(r.importance),
        "gap": _round(r.gap),
        "spread": list(r.spread) if r.spread else None,
        "consensus": _round(r.consensus),
        "rwg": _round(r.rwg),
        "disagreement": r.disagreement,
        "agreement": r.agreement.value if r.agreement else None,
        "weight": _round(r.weight),
        "comments": list(r.comments) if r.comments is not None else None,
        "counts_hidden": r.counts_hidden,
    }


def _trend_dict(trend: Trend) -> dict[str, Any]:
    return {
        "overall": {
            "previous": _round(trend.overall.previous),
            "current": _round(trend.overall.current),
            "change": _round(trend.overall.change),
        },
        "areas": [
            {
                "area": c.area.id,
                "previous": _round(c.previous),
                "current": _round(c.current),
                "change": _round(c.change),
            }
            for c in trend.areas
        ],
    }


# --------------------------------------------------------------------------- Delphi follow-up


@dataclass(frozen=True)
class Shift:
    """How one area moved from one Delphi iteration to the next (see the module docstring)."""

    area: Area
    consensus_before: float | None
    consensus_after: float | None
    pairs: int
    """People who gave a level in both iterations."""
    moved: int
    unchanged: float | None
    kappa: float | None
    agreed: bool
    stable: bool
    disagreement: bool
    """Still a disagreement after this iteration."""
    shown: bool
    """Whether people may read the numbers (moved, unchanged, kappa, consensus): the area is
    shown and has enough pairs besides the lead's; else only words (see `shifts`)."""

    unjudged: bool = False
    """Shown, but too few answers to judge agreement (`AreaResult.unjudged`): neither settled
    nor split, and still open."""

    @property
    def open(self) -> bool:
        """Still split (or not judged) and not stable: the stop rule asks again."""
        return (self.disagreement or self.unjudged) and not self.stable


@dataclass(frozen=True)
class Feedback:
    """What a follow-up card shows of the previous iteration: the group's distribution and its
    comments (None below the anonymity minimum), and the person's own earlier answer."""

    followup_of: int
    iteration: int
    distribution: tuple[tuple[int, int], ...] | None
    """(level, how many) for every level, ascending."""
    comments: tuple[str, ...]
    own: Reply | None


def weighted_kappa(pairs: Sequence[tuple[int, int]], values: Sequence[int]) -> float | None:
    """Cohen's kappa with linear weights for ``pairs`` of levels over the scale ``values``;
    None without pairs or when chance agreement is total."""
    k = len(values)
    if not pairs or k < 2:
        return None
    index = {v: i for i, v in enumerate(values)}
    n = len(pairs)
    rows = [0] * k
    cols = [0] * k
    observed = 0.0
    for a, b in pairs:
        i, j = index[a], index[b]
        rows[i] += 1
        cols[j] += 1
        observed += 1 - abs(i - j) / (k - 1)
    observed /= n
    expected = sum(
        rows[i] * cols[j] * (1 - abs(i - j) / (k - 1)) for i in range(k) for j in range(k)
    ) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1 - expected)


def shifts(
    before: Report,
    after: Report,
    before_answers: Mapping[str, Mapping[str, AreaAnswer]],
    after_answers: Mapping[str, Mapping[str, AreaAnswer]],
    lead: str | None = None,
) -> tuple[Shift, ...]:
    """Per area of ``after`` (a follow-up), consensus before -> after, moved answers, stability.
    ``after_answers`` are the replies actually given (not the levels carried forward): only
    people who gave a level both times count. Movement is shown only for a shown area and with
    ``min_responses + COUNTS_MARGIN`` pairs from people other than ``lead``; with fewer, "0 of 3
    moved" would tell the lead (or anyone) the others' answers."""
    earlier = {r.id: r for r in before.areas}
    threshold = after.settings.consensus_threshold
    least = after.settings.min_responses + COUNTS_MARGIN
    result = []
    for r in after.areas:
        given = {
            person: (first, second)
            for person, per_area in after_answers.items()
            if isinstance(second := per_area.get(r.id, AreaAnswer()).current, int)
            and isinstance(
                first := before_answers.get(person, {}).get(r.id, AreaAnswer()).current, int
            )
        }
        pairs = list(given.values())
        others = sum(1 for person in given if person != lead)
        shown = not r.below_min_responses and others >= least
        moved = sum(1 for a, b in pairs if a != b)
        unchanged = (len(pairs) - moved) / len(pairs) if pairs else None
        previous = earlier.get(r.id)
        result.append(
            Shift(
                area=r.area,
                consensus_before=previous.consensus if previous else None,
                consensus_after=r.consensus,
                pairs=len(pairs),
                moved=moved,
                unchanged=unchanged,
                kappa=weighted_kappa(pairs, after.framework.scale.values),
                agreed=_agreed(r, threshold),
                # only where movement is shown: "stable" among few pairs says nobody moved
                stable=shown and unchanged is not None and unchanged >= STABLE_SHARE,
                disagreement=r.disagreement,
                shown=shown,
                unjudged=r.unjudged,
            )
        )
    return tuple(result)


def _agreed(r: AreaResult, threshold: float) -> bool:
    """Whether a follow-up's shown area is settled: its consensus reaches the threshold (where
    agreement is not judged, ``unjudged``, it is not settled, but not split either)."""
    return r.consensus is not None and r.consensus >= threshold and not r.below_min_responses


def feedback(
    report: Mapping[str, Any], area_id: str, own: Reply | None, followup_of: int, iteration: int
) -> Feedback:
    """A follow-up card's view of the previous iteration, read from its stored JSON report."""
    least = int(report.get("settings", {}).get("min_responses", 0)) + COUNTS_MARGIN
    for a in report.get("areas", ()):
        if a.get("id") == area_id and not a.get("below_min_responses"):
            counts = (
                tuple(sorted((int(value), int(n)) for value, n in a["distribution"].items()))
                if a["n"] >= least and not a.get("counts_hidden")  # as in `counts_shown`
                else None
            )
            comments = tuple(a.get("comments") or ())
            return Feedback(followup_of, iteration, counts, comments, own)
    return Feedback(followup_of, iteration, None, (), own)
