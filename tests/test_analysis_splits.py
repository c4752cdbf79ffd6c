"""Split areas, the lead's own answers and who may see counts: the rules in bot/analysis.py that
keep every sentence of a report about levels people actually chose."""

from __future__ import annotations

import pytest

from bot.analysis import (
    FLOOR_CAP,
    AreaResult,
    Baseline,
    analyse,
    counts_shown,
    placed,
    unanimity_floor,
)
from bot.answers import Mark
from bot.render.wording import disagreements
from tests.test_analysis import F4, A, area_of, columns, currents, make_framework, run


@pytest.mark.parametrize(
    ("answers", "is_placed"),
    [
        ((2, 2, 2), True),  # median 2, chosen
        ((1, 2, 4), True),  # odd count: the median is always somebody's answer
        ((2, 3), True),  # 2.5, between two neighbours both chosen
        ((2, 2, 3, 3), True),
        ((1, 1, 3, 3), False),  # 2: nobody said 2
        ((1, 4), False),  # 2.5: between 2 and 3, and nobody said either
        ((1, 2, 3, 4), True),  # 2.5: 2 and 3 were both chosen
        ((1, 2, 4, 4), False),  # 3: nobody said 3
    ],
)
def test_a_median_is_placed_only_on_levels_people_chose(
    answers: tuple[int, ...], is_placed: bool
) -> None:
    distribution = {v: answers.count(v) for v in (1, 2, 3, 4)}
    ordered = sorted(answers)
    middle = (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2
    assert placed(middle, distribution) is is_placed


def test_a_median_nobody_chose_is_a_disagreement_even_under_a_lenient_threshold() -> None:
    wide = make_framework(("a",), levels=7)  # 3, 3, 5, 5: consensus 0.74, median 4 (nobody)
    report = analyse(wide, columns(a=currents(3, 3, 5, 5)), invited=4, min_responses=1)
    r = area_of(report, "a")
    assert r.consensus is not None and r.consensus > 0.7
    assert r.disagreement and report.top_gaps == () and report.overall.stage is None


def test_split_areas_are_left_out_of_the_stage_weakest_and_roadmap_but_named() -> None:
    report = run(F4, a=currents(2, 2, 2, 2, target=4), b=currents(1, 1, 3, 3, target=4))
    assert report.overall.stage is not None and report.overall.stage.value == 2  # a alone
    assert [a.id for a in report.overall.split] == ["b"]
    assert report.overall.rated == 1 and [a.id for a in report.overall.weakest_areas] == ["a"]
    assert [g.id for g in report.top_gaps] == ["a"]
    assert report.overall.score == pytest.approx(2.0)  # the score still counts every shown area
    assert report.to_dict()["overall"]["split_areas"] == ["b"]


def test_every_area_split_gives_neither_a_stage_nor_a_score() -> None:
    # A score of split medians (2.5 and 2) would give them away: among few, the median of a
    # split is more than "answers differ" says. The areas are still shown, as split.
    report = run(F4, a=currents(1, 1, 4, 4), b=currents(1, 1, 3, 3))
    overall = report.overall
    assert (overall.stage, overall.rated, overall.weakest_areas) == (None, 0, ())
    assert [a.id for a in overall.split] == ["a", "b"] and overall.score is None
    assert overall.shown


def test_a_split_areas_median_shows_in_no_trend() -> None:
    # Three answers 1, 2, 3 split on four levels: "answers differ" alone. A trend (now 2) or a
    # baseline for the next round's trend would give its median away.
    previous = Baseline("test", 2.0, {"a": 2.0, "b": 2.0})
    answers = columns(a=currents(1, 2, 3), b=currents(2, 2, 2))
    report = analyse(F4, answers, invited=3, previous=previous)
    a = area_of(report, "a")
    assert a.disagreement
    assert report.trend is not None
    change = next(c for c in report.trend.areas if c.area.id == "a")
    assert (change.current, change.change) == (None, None)
    assert report.baseline().areas["a"] is None
    assert Baseline.from_report_dict(report.to_dict()).areas["a"] is None
    assert report.overall.score == 2.0  # b alone


def test_the_leads_own_level_does_not_count_toward_the_minimum() -> None:
    # The lead and two others answered a; only two others answered b (the lead skipped it).
    answers = columns(a=currents(2, 3, 4), b=[None, A(3), A(3), A(3)])
    answers["lead"] = answers.pop("p0")
    without = analyse(F4, answers, invited=4, min_responses=3)
    assert not area_of(without, "a").below_min_responses  # as before: three levels
    with_lead = analyse(F4, answers, invited=4, min_responses=3, lead="lead")
    a, b = area_of(with_lead, "a"), area_of(with_lead, "b")
    assert a.below_min_responses and a.distribution is None  # the lead would learn the other two
    # b: three people, none of them the lead, yet the lead took part: shown with three, b would
    # tell everyone that the lead gave it no level while a (with the lead's) needed four
    assert b.below_min_responses and b.n == 3
    answers["p9"] = {"a": A(2), "b": A(3)}  # a third (b: fourth) person besides the lead
    again = analyse(F4, answers, invited=5, min_responses=3, lead="lead")
    assert not area_of(again, "a").below_min_responses
    assert not area_of(again, "b").below_min_responses


def test_three_levels_read_alike_whether_or_not_the_lead_gave_one_of_them() -> None:
    # Three others and a lead who was not sure, or two others and the lead's own level: if only
    # the first were shown, an area shown with three answers would tell that the lead gave none.
    others_only = columns(a=currents(2, 2, 3))
    others_only["lead"] = {"a": A(Mark.NOT_SURE)}
    with_leads = columns(a=currents(2, 2, 3))
    with_leads["lead"] = with_leads.pop("p0")
    for answers in (others_only, with_leads):
        report = analyse(F4, answers, invited=4, min_responses=3, lead="lead")
        assert area_of(report, "a").below_min_responses


def test_counts_are_for_people_to_read_only_two_answers_beyond_the_minimum() -> None:
    report = run(F4, min_responses=3, a=currents(2, 3, 4), b=currents(2, 3, 4, 4, 2))
    assert not counts_shown(area_of(report, "a"), 3)  # 3 answers: the counts are the answers
    assert counts_shown(area_of(report, "b"), 3)


def test_a_target_or_importance_given_fewer_times_than_the_minimum_is_withheld() -> None:
    # Three levels for a, but one target and one importance: those are one person's answers.
    weighted = make_framework(("a", "b"), ask_importance=True)
    few = [A(2, 4, 1), A(2, Mark.SKIPPED), A(3)]
    enough = [A(2, 3, 3), A(2, 3, 3), A(3, 4, 3)]
    report = analyse(weighted, columns(a=few, b=enough), invited=3, min_responses=3)
    a, b = area_of(report, "a"), area_of(report, "b")
    assert not a.below_min_responses and a.current is not None  # today's level is shown
    assert (a.target, a.importance, a.gap) == (None, None, None)
    assert a.weight == b.area.weight * 2  # as if nobody gave an importance (medium)
    # a holds the stage back too: it keeps its next step, after b, whose gap can be ranked
    assert [(g.id, g.gap) for g in report.top_gaps] == [("b", 1), ("a", None)]
    assert b.target is not None and b.importance is not None and b.gap == 1
    as_json = report.to_dict()["areas"][0]
    assert (as_json["target"], as_json["importance"], as_json["gap"]) == (None, None, None)


def test_the_leads_own_target_does_not_count_toward_the_targets_minimum() -> None:
    # Four levels (three besides the lead's), but only the lead and one other gave a target:
    # with the median of two, the lead would subtract their own and learn the other's.
    answers = columns(a=[A(2, 3), A(2, 2), A(2, Mark.SKIPPED), A(2, Mark.SKIPPED)])
    answers["lead"] = answers.pop("p0")
    with_lead = area_of(analyse(F4, answers, invited=4, min_responses=3, lead="lead"), "a")
    assert not with_lead.below_min_responses and with_lead.target is None
    answers["p2"], answers["p3"] = {"a": A(2, 3)}, {"a": A(2, 4)}  # three targets besides
    shown = area_of(analyse(F4, answers, invited=4, min_responses=3, lead="lead"), "a")
    assert shown.target is not None and shown.target.median == 3


@pytest.mark.parametrize(
    ("levels", "threshold", "floor"),
    [
        (3, 0.7, 5),  # 2, 2, 2, 2, 3 agrees (0.73); 2, 2, 2, 3 does not (0.69)
        (4, 0.7, 2),  # 2, 3 agrees (0.737)
        (4, 0.8, 4),  # 2, 2, 2, 3 reaches 0.80
        (5, 0.7, 2),
        (3, 1.0, FLOOR_CAP),  # only everyone alike ever reaches 1
    ],
)
def test_the_unanimity_floor_is_the_fewest_answers_whose_closest_split_agrees(
    levels: int, threshold: float, floor: int
) -> None:
    assert unanimity_floor(tuple(range(1, levels + 1)), threshold) == floor


def _shown(r: AreaResult) -> tuple[object, ...]:
    """What a report can say about a shown area's level and agreement (means are not shown)."""
    assert r.current is not None and r.consensus is None and r.rwg is None
    return (r.current.median, r.disagreement, r.agreement)


@pytest.mark.parametrize("people", [3, 4])
def test_among_fewer_than_the_floor_everyone_alike_reads_like_one_who_differs(
    people: int,
) -> None:
    # On three levels "agreed" among three or four can only mean all gave one level: the
    # report must not tell 2, 2, 2(, 2) from 2, 2(, 2), 3.
    fw = make_framework(("a", "b"), levels=3)
    alike, near = (2,) * people, (2,) * (people - 1) + (3,)
    report = analyse(fw, columns(a=currents(*alike), b=currents(*near)), invited=people)
    a, b = area_of(report, "a"), area_of(report, "b")
    assert not a.below_min_responses and a.unjudged and b.unjudged
    assert _shown(a) == _shown(b) == (2.0, False, None)
    assert report.overall.stage is not None and report.overall.split == ()


def test_among_few_nothing_splits_not_even_a_median_nobody_chose() -> None:
    # Among four on three levels only 1, 1, 3, 3 leaves the median unplaced: a split there would
    # give all four answers away, so the median shows alone.
    fw = make_framework(("a", "b"), levels=3)
    report = analyse(fw, columns(a=currents(1, 1, 3, 3), b=currents(1, 2, 3, 3)), invited=4)
    a, b = area_of(report, "a"), area_of(report, "b")
    assert a.unjudged and not a.disagreement and a.agreement is None
    assert a.current is not None and a.current.median == 2.0
    assert b.unjudged and not b.disagreement


def test_ties_are_ordered_by_consensus_only_where_counts_may_show() -> None:
    # a and b at 2 aiming at 3 among three answers, a all alike, b with one 3: ordering the tie
    # by consensus (b first) would say which is which; framework order says nothing.
    answers = columns(a=currents(2, 2, 2, target=3), b=currents(2, 2, 3, target=3))
    tied = analyse(F4, answers, invited=3)
    assert [(g.id, g.rank) for g in tied.top_gaps] == [("a", 1), ("b", 1)]
    # Two splits among three: listed in framework order, not least agreement first.
    split = analyse(F4, columns(a=currents(1, 2, 4), b=currents(1, 1, 4)), invited=3)
    assert [r.id for r in disagreements(split)] == ["a", "b"]
    # With enough answers for counts the consensus orders them again (b: 0.30, a: 0.41).
    five = analyse(F4, columns(a=currents(1, 2, 4, 1, 2), b=currents(1, 1, 4, 4, 1)), invited=5)
    assert [r.id for r in disagreements(five)] == ["b", "a"]


def test_the_leads_own_answer_does_not_count_toward_the_floor() -> None:
    # At a minimum of 4 (counts from 6), the lead's 3 beside 2, 2, 2, 2: five answers, but
    # only four besides the lead's, below the floor of 5: agreement would tell the lead that
    # the four others all said 2. Without the lead among them, five others are enough.
    fw = make_framework(("a",), levels=3)
    answers = columns(a=currents(3, 2, 2, 2, 2))
    answers["lead"] = answers.pop("p0")
    r = area_of(analyse(fw, answers, invited=5, min_responses=4, lead="lead"), "a")
    assert r.unjudged and not r.disagreement
    judged = area_of(analyse(fw, answers, invited=5, min_responses=4), "a")
    assert judged.consensus is not None and judged.agreement is not None


def test_where_counts_show_agreement_is_judged_whatever_the_floor() -> None:
    # The lead and four others on three levels: the counts (2 / 1 / 2) show the split anyway,
    # so the area is marked split rather than placed at 2.
    fw = make_framework(("a",), levels=3)
    answers = columns(a=currents(2, 1, 1, 3, 3))
    answers["lead"] = answers.pop("p0")
    r = area_of(analyse(fw, answers, invited=5, lead="lead"), "a")
    assert counts_shown(r, 3) and r.disagreement and r.consensus is not None


def test_without_counts_a_median_between_two_levels_shows_alone() -> None:
    # Four answers on four levels: median 1.5 agrees only as 1, 1, 2, 2; any verdict beside
    # "between 1 and 2" would give the counts away, so 1, 1, 2, 2 and 1, 1, 2, 4 read alike.
    report = analyse(F4, columns(a=currents(1, 1, 2, 2), b=currents(1, 1, 2, 4)), invited=4)
    a, b = area_of(report, "a"), area_of(report, "b")
    assert a.unjudged and b.unjudged and not a.disagreement and not b.disagreement
    assert a.current is not None and b.current is not None
    assert a.current.median == b.current.median == 1.5


def test_a_hidden_importance_does_not_weigh() -> None:
    # Four answers (counts from five): the report hides the importance mean, so it must not
    # order the roadmap either: a (all high) and b (all low) weigh alike, a tie by gap.
    fw = make_framework(("a", "b"), ask_importance=True)
    answers = columns(a=[A(2, 3, 3)] * 4, b=[A(2, 3, 1)] * 4)
    report = analyse(fw, answers, invited=4)
    assert [(g.id, g.rank) for g in report.top_gaps] == [("a", 1), ("b", 1)]
    five = analyse(fw, columns(a=[A(2, 3, 3)] * 5, b=[A(2, 3, 1)] * 5), invited=5)
    assert [(g.id, g.rank) for g in five.top_gaps] == [("a", 1), ("b", 2)]


def test_a_minimum_of_one_judges_agreement_among_any_number() -> None:
    fw = make_framework(("a",), levels=3)
    r = area_of(analyse(fw, columns(a=currents(2, 2, 3)), invited=3, min_responses=1), "a")
    assert r.consensus is not None and r.disagreement  # 0.63: anonymity is off anyway


def test_a_withheld_target_keeps_a_next_step_only_where_the_area_holds_the_stage_back() -> None:
    # a, b at 2 hold the stage (2) back; c at 3 does not. Targets: a 4 (three gave it), b and
    # c given by one person each, so withheld. b keeps its step to 3, ranked after a; c, with
    # nothing to say it should rise, has no entry.
    fw = make_framework(("a", "b", "c"))
    answers = columns(
        a=[A(2, 4), A(2, 4), A(2, 4)],
        b=[A(2, 4), A(2), A(2)],
        c=[A(3, 4), A(3), A(3)],
    )
    report = analyse(fw, answers, invited=3, min_responses=3)
    assert [a.id for a in report.overall.holding_back] == ["a", "b"]
    assert [(g.id, g.rank, g.gap, g.target, g.next_value) for g in report.top_gaps] == [
        ("a", 1, 2, 4, 3),
        ("b", 2, None, None, 3),
    ]
    assert report.to_dict()["top_gaps"][1]["target"] is None
