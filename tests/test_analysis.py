"""Tests for bot.analysis: every number below is computed by hand from the documented rules."""

from __future__ import annotations

import json
from collections.abc import Sequence
from math import log2
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.analysis import (
    DEFAULT_CONSENSUS_THRESHOLD,
    Agreement,
    AreaResult,
    Baseline,
    Report,
    analyse,
)
from bot.answers import AreaAnswer, Mark
from bot.frameworks import Framework, load_catalog, parse_framework
from tests.samples import GUIDED_YAML, MINI_YAML

A = AreaAnswer
NS, SK = Mark.NOT_SURE, Mark.SKIPPED


def make_framework(
    areas: Sequence[str] = ("a", "b", "c"),
    *,
    levels: int = 4,
    ask_target: bool = True,
    ask_importance: bool = False,
    weights: Sequence[float] | None = None,
    threshold: float | None = None,
    fid: str = "test",
) -> Framework:
    """A framework with levels 1..``levels`` named l1, l2, ... and areas described "<id> at <v>"."""
    data: dict[str, Any] = {
        "id": fid,
        "version": 1,
        "name": {"en": "Test", "es": "Prueba"},
        "description": {"en": "A test framework."},
        "ask_target": ask_target,
        "ask_importance": ask_importance,
        "scale": {
            "levels": [
                {
                    "value": v,
                    "key": f"l{v}",
                    "label": {"en": f"Level {v}", "es": f"Nivel {v}"},
                    "summary": {"en": f"Summary {v}."},
                }
                for v in range(1, levels + 1)
            ]
        },
        "areas": [
            {
                "id": aid,
                "name": {"en": aid.upper(), "es": f"{aid}-es"},
                "question": {"en": f"How is {aid}?"},
                "levels": {
                    v: {"en": f"{aid} at {v}", "es": f"{aid} en {v}"} for v in range(1, levels + 1)
                },
                **({"weight": weights[i]} if weights else {}),
            }
            for i, aid in enumerate(areas)
        ],
    }
    if threshold is not None:
        data["consensus_threshold"] = threshold
    return parse_framework(data)


def columns(**by_area: Sequence[AreaAnswer | None]) -> dict[str, dict[str, AreaAnswer]]:
    """Participant ``p<i>`` gets the i-th answer of every area (None or past the end: absent)."""
    people = max((len(col) for col in by_area.values()), default=0)
    return {
        f"p{i}": {aid: a for aid, col in by_area.items() if i < len(col) and (a := col[i])}
        for i in range(people)
    }


def currents(*values: int | Mark, target: int | Mark | None = None) -> list[AreaAnswer | None]:
    return [A(current=v, target=target) for v in values]


def area_of(report: Report, area_id: str) -> AreaResult:
    return next(r for r in report.areas if r.id == area_id)


def run(
    framework: Framework, min_responses: int = 1, **by_area: Sequence[AreaAnswer | None]
) -> Report:
    return analyse(framework, columns(**by_area), invited=10, min_responses=min_responses)


F4 = make_framework()


# --------------------------------------------------------------------------- agreement


@pytest.mark.parametrize(
    ("levels", "consensus", "rwg"),
    [
        ((1, 4), 0.0, 0.0),  # mean 2.5: 1 + 2 * 0.5 * log2(1/2) = 0; s² 4.5 > 1.25 clips to 0
        ((2, 3), 1 + log2(5 / 6), 1 - 0.5 / 1.25),  # |x - 2.5| / 3 = 1/6 on both sides
        ((3, 3, 3), 1.0, 1.0),
        ((2, 2, 3), 1 + 2 / 3 * log2(8 / 9) + 1 / 3 * log2(7 / 9), 1 - (1 / 3) / 1.25),
        ((1, 2, 3, 4), 1 + 0.5 * log2(0.5) + 0.5 * log2(5 / 6), 0.0),  # s² = 5/3
        ((4,), 1.0, None),  # one answer: full consensus, rwg needs two
    ],
)
def test_consensus_and_rwg_match_hand_values(
    levels: tuple[int, ...], consensus: float, rwg: float | None
) -> None:
    r = area_of(run(F4, a=currents(*levels)), "a")
    assert r.consensus == pytest.approx(consensus, abs=1e-12)
    if rwg is None:
        assert r.rwg is None
    else:
        assert r.rwg == pytest.approx(rwg, abs=1e-12)


def test_consensus_of_two_and_three_on_four_levels_is_about_0_737() -> None:
    r = area_of(run(F4, a=currents(2, 3)), "a")
    assert r.consensus is not None and round(r.consensus, 3) == 0.737


def test_disagreement_uses_default_framework_and_explicit_thresholds() -> None:
    answers = columns(a=currents(2, 3), b=currents(3, 3), c=currents(1, 4))
    default = analyse(F4, answers, invited=2, min_responses=1)
    assert default.settings.consensus_threshold == DEFAULT_CONSENSUS_THRESHOLD == 0.7
    assert [r.disagreement for r in default.areas] == [False, False, True]
    strict_fw = make_framework(threshold=0.8)
    strict = analyse(strict_fw, answers, invited=2, min_responses=1)
    assert strict.settings.consensus_threshold == 0.8
    assert [r.disagreement for r in strict.areas] == [True, False, True]
    lenient = analyse(strict_fw, answers, invited=2, min_responses=1, consensus_threshold=0.0)
    # c's median 2.5 lies between 2 and 3, which nobody chose: split whatever the threshold
    assert [r.disagreement for r in lenient.areas] == [False, False, True]


def test_agreement_in_words_is_low_moderate_or_strong_by_the_cut_offs() -> None:
    # a: 2, 3 -> 0.737 (moderate); b: 3, 3 -> 1 (strong); c: 1, 4 -> 0 (low); d: one answer.
    answers = columns(a=currents(2, 3), b=currents(3, 3), c=currents(1, 4), d=currents(2))
    fw = make_framework(("a", "b", "c", "d"))
    report = analyse(fw, answers, invited=2, min_responses=1)
    assert [r.agreement for r in report.areas] == [
        Agreement.MODERATE,
        Agreement.STRONG,
        Agreement.LOW,
        None,  # one answer agrees with itself: no word for it
    ]
    strict = analyse(fw, answers, invited=2, min_responses=1, consensus_threshold=0.9)
    assert [r.agreement for r in strict.areas][:3] == [
        Agreement.LOW,
        Agreement.STRONG,
        Agreement.LOW,
    ]
    assert report.to_dict()["areas"][0]["agreement"] == "moderate"


def test_single_answer_is_never_a_disagreement() -> None:
    report = analyse(
        F4, columns(a=currents(1)), invited=1, consensus_threshold=1.0, min_responses=1
    )
    r = area_of(report, "a")
    assert (r.n, r.consensus, r.rwg, r.disagreement, r.spread) == (1, 1.0, None, False, (1, 1))


def test_spread_is_withheld_below_min_responses() -> None:
    r = area_of(analyse(F4, columns(a=currents(1, 4)), invited=2, min_responses=3), "a")
    assert r.below_min_responses and r.spread is None and r.distribution is None


# --------------------------------------------------------------------------- levels and gaps


@pytest.mark.parametrize(
    ("levels", "median", "mean"),
    [
        ((1, 2), 1.5, 1.5),
        ((1, 4), 2.5, 2.5),
        ((1, 1, 3, 4), 2.0, 2.25),
        ((2, 3, 3, 4), 3.0, 3.0),
        ((1, 2, 4), 2.0, 7 / 3),
        ((4, 1, 1, 1, 2, 3), 1.5, 2.0),  # order of arrival does not matter
    ],
)
def test_median_of_even_count_is_mean_of_middle_two(
    levels: tuple[int, ...], median: float, mean: float
) -> None:
    r = area_of(run(F4, a=currents(*levels)), "a")
    assert r.current is not None
    assert r.current.median == median
    assert r.current.mean == pytest.approx(mean)
    assert r.spread == (min(levels), max(levels))


def test_distribution_lists_every_level_ascending() -> None:
    r = area_of(run(F4, a=currents(4, 2, 2, NS, SK)), "a")
    assert r.distribution == {1: 0, 2: 2, 3: 0, 4: 1}
    assert list(r.distribution) == [1, 2, 3, 4]
    assert (r.n, r.not_sure, r.skipped) == (3, 1, 1)


def test_gap_is_target_median_minus_current_median() -> None:
    answers = [A(2, 4), A(3, 4), A(3, NS), A(2, 3)]  # current median 2.5, target median 4
    r = area_of(run(F4, a=answers), "a")
    assert r.target is not None and r.current is not None
    assert (r.current.median, r.target.median) == (2.5, 4.0)
    assert r.target.mean == pytest.approx(11 / 3)
    assert r.gap == 1.5


def test_gap_can_be_negative_and_is_null_without_any_target_level() -> None:
    report = run(F4, a=[A(3, 2), A(3, 2)], b=[A(2, NS), A(2, SK), A(2)])
    assert area_of(report, "a").gap == -1.0
    b = area_of(report, "b")
    assert (b.target, b.gap) == (None, None)
    # b holds the stage (2) back: without a target it still gets the step to 3; a, already at
    # 3 and aiming lower, gets none
    (step,) = report.top_gaps
    assert (step.id, step.gap, step.target, step.next_value) == ("b", None, None, 3)


def test_without_targets_gap_is_distance_to_top_and_targets_are_ignored() -> None:
    fw = make_framework(ask_target=False)
    report = run(fw, a=[A(2, 2), A(3, 3), A(2, 4)])
    r = area_of(report, "a")
    assert (r.target, r.gap) == (None, 2.0)  # top 4 - median 2
    (gap,) = report.top_gaps
    assert (gap.id, gap.gap, gap.current, gap.target, gap.next_value) == ("a", 2.0, 2.0, 4.0, 3)


def test_area_nobody_answered_has_no_statistics() -> None:
    report = run(F4, min_responses=3, a=currents(2, 3, 3), b=[None, A(comment="hi"), None])
    r = area_of(report, "b")
    assert (r.n, r.not_sure, r.skipped) == (0, 0, 0)
    assert (r.current, r.target, r.importance, r.gap, r.spread) == (None,) * 5
    assert (r.consensus, r.rwg, r.disagreement) == (None, None, False)
    assert (r.below_min_responses, r.distribution, r.comments) == (True, None, None)
    c = area_of(report, "c")  # absent from every participant
    assert (c.n, c.current, c.consensus) == (0, None, None)


def test_everyone_not_sure_counts_no_level() -> None:
    report = run(F4, min_responses=3, a=currents(NS, NS, NS, target=4))
    r = area_of(report, "a")
    assert (r.n, r.not_sure, r.current, r.gap, r.below_min_responses) == (0, 3, None, None, True)
    assert r.target is None  # without current levels the area shows nothing but counts
    assert report.overall.score is None
    assert report.participants.responded == 0


def test_skipped_is_counted_separately_and_never_as_a_level() -> None:
    r = area_of(run(F4, a=currents(SK, SK, 1)), "a")
    assert (r.n, r.skipped, r.not_sure, r.spread) == (1, 2, 0, (1, 1))
    assert r.current is not None and r.current.mean == 1.0


def test_replies_off_the_scale_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"area 'a': current level 5 is not one of the levels"):
        run(F4, a=currents(5))
    with pytest.raises(ValueError, match="target level 0"):
        run(F4, a=[A(1, 0)])
    imp = make_framework(ask_importance=True)
    with pytest.raises(ValueError, match="importance 4"):
        run(imp, a=[A(1, 2, 4)])


def test_settings_out_of_range_are_rejected() -> None:
    with pytest.raises(ValueError, match="min_responses"):
        analyse(F4, {}, invited=0, min_responses=0)
    with pytest.raises(ValueError, match="consensus_threshold"):
        analyse(F4, {}, invited=0, consensus_threshold=1.5)


# --------------------------------------------------------------------------- overall


def test_overall_stage_is_the_level_every_area_reached_and_score_the_weighted_mean() -> None:
    mini = parse_framework(yaml.safe_load(MINI_YAML))  # beta has weight 2
    report = run(mini, alpha=currents(1, 1, 1), beta=currents(3, 3))
    assert report.overall.score == pytest.approx((1 * 1 + 3 * 2) / 3)  # 2.333: stage 2 before
    assert report.overall.stage is not None and report.overall.stage.key == "low"  # alpha at 1
    data = report.to_dict("es")
    assert data["overall"] == {
        "score": 2.333,
        "stage": 1,
        "stage_key": "low",
        "stage_label": "Bajo",
        "next_stage": 2,
        "close_to_next": False,  # 1 of 2 areas at 2 or above: 50 % < 75 %
        "areas_rated": 2,
        "areas_at_next": 1,
        "holding_back": ["alpha"],
        "weakest_areas": ["alpha"],
        "weakest_level": 1.0,
        "split_areas": [],
    }


def test_areas_without_levels_are_left_out_of_the_stage_and_score() -> None:
    report = run(F4, a=currents(4), b=currents(NS), c=currents(2))
    assert report.overall.score == 3.0
    assert report.overall.stage is not None and report.overall.stage.value == 2
    assert (report.overall.rated, report.overall.at_next) == (2, 1)
    assert [a.id for a in report.overall.weakest_areas] == ["c"]


def test_a_half_median_has_reached_only_the_level_below() -> None:
    report = run(F4, a=currents(2, 3), b=currents(3), c=currents(4))
    assert report.overall.stage is not None and report.overall.stage.value == 2
    assert [a.id for a in report.overall.holding_back] == ["a"]  # 2.5 is below 3
    assert report.overall.close is False  # 2 of 3 at 3 or above: 67 % < 75 %


def test_stage_is_close_to_the_next_from_three_quarters_of_the_areas() -> None:
    fw = make_framework(("a", "b", "c", "d"))
    report = run(fw, a=currents(3), b=currents(3), c=currents(3), d=currents(2))
    assert report.overall.stage is not None and report.overall.stage.value == 2
    assert report.overall.next_stage is not None and report.overall.next_stage.value == 3
    assert (report.overall.at_next, report.overall.close) == (3, True)  # exactly 75 %


def test_top_stage_has_no_next_and_is_never_close() -> None:
    report = run(F4, a=currents(4), b=currents(4), c=currents(4))
    assert report.overall.stage is not None and report.overall.stage.value == 4
    assert (report.overall.next_stage, report.overall.holding_back, report.overall.close) == (
        None,
        (),
        False,
    )
    assert report.to_dict()["overall"]["areas_at_next"] is None


def test_weakest_areas_are_every_area_tied_at_the_lowest_median() -> None:
    fw = make_framework(("a", "b", "c", "d", "e"))
    report = run(fw, a=currents(3), b=currents(2), c=currents(4), d=currents(2), e=currents(2))
    assert [a.id for a in report.overall.weakest_areas] == ["b", "d", "e"]
    assert report.overall.weakest_level == 2.0


def test_no_data_gives_empty_overall() -> None:
    report = analyse(F4, {}, invited=5)
    assert (report.overall.score, report.overall.stage, report.overall.weakest_areas) == (
        None,
        None,
        (),
    )
    assert report.to_dict()["overall"] == {
        "score": None,
        "stage": None,
        "stage_key": None,
        "stage_label": None,
        "next_stage": None,
        "close_to_next": False,
        "areas_rated": 0,
        "areas_at_next": None,
        "holding_back": [],
        "weakest_areas": [],
        "weakest_level": None,
        "split_areas": [],
    }
    assert report.top_gaps == ()


def test_importance_multiplies_area_weight_and_defaults_to_medium() -> None:
    fw = make_framework(("a", "b", "c"), ask_importance=True, weights=(1, 1, 2))
    report = run(
        fw,
        a=[A(1, 4, 3), A(1, 4, 3), A(1, 4, 2)],  # mean importance 8/3, median 3
        b=[A(4, 4), A(4, 4, NS)],  # nobody rated importance: medium (2)
        c=[A(2, 3, 1)],  # weight 2 x importance 1
    )
    a, b, c = report.areas
    assert a.importance is not None and a.importance.median == 3.0
    assert a.importance.mean == pytest.approx(8 / 3)
    assert (b.importance, b.weight, c.weight) == (None, 2.0, 2.0)
    assert a.weight == pytest.approx(8 / 3)
    expected = (1 * 8 / 3 + 4 * 2 + 2 * 2) / (8 / 3 + 2 + 2)
    assert report.overall.score == pytest.approx(expected)  # 2.2


def test_importance_is_ignored_when_framework_does_not_ask_it() -> None:
    r = area_of(run(F4, a=[A(1, 2, 3)]), "a")
    assert (r.importance, r.weight) == (None, 1.0)


# --------------------------------------------------------------------------- roadmap


def test_top_gaps_rank_by_gap_times_weight() -> None:
    fw = make_framework(("a", "b", "c", "d"), weights=(1, 2, 1, 1))
    report = run(  # all at 1: each holds the stage back alike
        fw,
        a=[A(1, 4)],  # gap 3 x 1 = 3
        b=[A(1, 3)],  # gap 2 x 2 = 4
        c=[A(1, 2)],  # gap 1
        d=[A(1, 1)],  # gap 0, at the lowest level holding the stage back: its next step, last
    )
    assert [(g.id, g.gap) for g in report.top_gaps] == [
        ("b", 2.0),
        ("a", 3.0),
        ("c", 1.0),
        ("d", 0.0),
    ]
    assert report.top_gaps[-1].next_value == 2 and report.top_gaps[-1].target == 1.0


def test_top_gaps_put_the_areas_holding_the_stage_back_first() -> None:
    """The stage is the lowest area's: raising the areas below the next stage is what raises
    it, whatever the bigger gaps elsewhere."""
    fw = make_framework(("a", "b", "c"), weights=(1, 2, 1))
    report = run(fw, a=[A(3, 4)], b=[A(2, 4)], c=[A(1, 2)])  # stage 1: c holds it back
    assert [(g.id, g.rank) for g in report.top_gaps] == [("c", 1), ("b", 2), ("a", 3)]
    assert [a.id for a in report.overall.holding_back] == ["c"]


def test_top_gaps_tie_goes_to_lower_current_median() -> None:
    # z, at 1 with nothing to close, sets the stage and comes first with its next step (the
    # lowest level); a and b do not hold the stage back
    fw = make_framework(("z", "a", "b"), weights=(1, 1, 2))
    z = [A(1, 1)]
    report = run(fw, z=z, a=[A(2, 4)], b=[A(3, 4)])  # 2 x 1 == 1 x 2
    assert [(g.id, g.rank) for g in report.top_gaps] == [("z", 1), ("a", 2), ("b", 2)]  # a tie
    report = run(fw, z=z * 2, a=[A(3, 4), A(3, 4)], b=[A(2, 3), A(2, 3)])  # 1 x 1 < 1 x 2
    assert [g.id for g in report.top_gaps] == ["z", "b", "a"]
    swapped = make_framework(("z", "a", "b"), weights=(1, 2, 1))
    report = run(swapped, z=z, a=[A(3, 4)], b=[A(2, 4)])  # 1 x 2 == 2 x 1, b lower
    assert [g.id for g in report.top_gaps] == ["z", "b", "a"]


def test_top_gaps_tie_then_goes_to_lower_consensus() -> None:
    # Both: current median 2, target 3, weight 1; b's answers spread more (but do not split).
    report = run(F4, a=[A(2, 3), A(2, 3)], b=[A(1, 3), A(2, 3), A(2, 3), A(3, 3)])
    assert [(g.id, g.rank) for g in report.top_gaps] == [("b", 1), ("a", 1)]
    assert area_of(report, "b").consensus == pytest.approx(1 + log2(2 / 3) / 2)


def test_top_gaps_last_tie_break_is_framework_order() -> None:
    fw = make_framework(("zeta", "alpha", "mid"))
    same = [A(2, 3), A(2, 3)]
    report = run(fw, zeta=same, alpha=same, mid=same)
    assert [g.id for g in report.top_gaps] == ["zeta", "alpha", "mid"]
    assert [g.rank for g in report.top_gaps] == [1, 1, 1]  # a tie, named as one


def test_top_gaps_share_a_rank_when_their_gap_times_weight_is_equal() -> None:
    fw = make_framework(("a", "b", "c", "d"))
    report = run(fw, a=[A(1, 4)], b=[A(2, 4)], c=[A(2, 4)], d=[A(3, 4)])
    assert [(g.id, g.rank) for g in report.top_gaps] == [("a", 1), ("b", 2), ("c", 2), ("d", 4)]


def test_gap_carries_the_actions_of_the_step_to_the_next_level() -> None:
    fw = parse_framework(yaml.safe_load(GUIDED_YAML))
    report = run(fw, alpha=[A(2, 3), A(2, 3), A(2, 3)])
    (gap,) = report.top_gaps
    assert (gap.next_value, [a.en for a in gap.actions]) == (
        3,
        ["Alpha step 3a.", "Alpha step 3b."],
    )
    assert report.to_dict("es")["top_gaps"][0]["actions"] == ["Paso alfa 3a.", "Paso alfa 3b."]


def test_gap_next_step_describes_first_level_above_current_median() -> None:
    report = run(F4, a=[A(2, 4), A(3, 4)], b=[A(1, 2), A(1, 2), A(2, 2)])
    gaps = {g.id: g for g in report.top_gaps}
    assert (gaps["a"].current, gaps["a"].next_value, gaps["a"].next_step.en) == (2.5, 3, "a at 3")
    assert (gaps["b"].current, gaps["b"].next_value) == (1.0, 2)
    entry = report.to_dict("es")["top_gaps"][1]  # after b, which holds the stage back
    assert entry == {
        "area": "a",
        "name": "a-es",
        "rank": 2,
        "gap": 1.5,
        "current": 2.5,
        "target": 4.0,
        "next_level": 3,
        "next_step": "a en 3",
        "actions": [],  # this framework has none: the description stands in
    }


# --------------------------------------------------------------------------- anonymity


def test_distribution_and_comments_hidden_below_min_responses() -> None:
    answers = [A(2, comment="zeta"), A(3, comment="Alpha"), A(NS, comment="beta")]
    r = area_of(run(F4, min_responses=3, a=answers), "a")
    assert (r.n, r.below_min_responses, r.distribution, r.comments) == (2, True, None, None)
    assert r.current is None  # a median of two answers would give both away


# Below a threshold of 3, by hand: one answer (3, target 4, importance high) or two answers
# (1 and 4: median 2.5, consensus 0, a disagreement if shown), each with a not sure, a skip and
# comments. Only n, not_sure and skipped may remain; the weight ignores importance (1 x medium).
@pytest.mark.parametrize(
    "levels",
    [(3,), (1, 4)],
    ids=["n=1", "n=2"],
)
def test_withheld_area_shows_nothing_but_counts(levels: tuple[int, ...]) -> None:
    fw = make_framework(("a", "b"), ask_importance=True)
    answers = [A(v, 4, 3, comment=f"mine was {v}") for v in levels]
    answers += [A(NS, 4, 3, comment="not sure"), A(SK, 4, 1)]
    report = analyse(fw, columns(a=answers), invited=5, min_responses=3)
    r = area_of(report, "a")
    assert (r.n, r.not_sure, r.skipped, r.below_min_responses) == (len(levels), 1, 1, True)
    assert (r.distribution, r.spread, r.comments) == (None, None, None)
    assert (r.current, r.target, r.importance, r.gap) == (None, None, None, None)
    assert (r.consensus, r.rwg, r.disagreement, r.weight) == (None, None, False, 2.0)
    area = report.to_dict()["areas"][0]
    assert area == {
        "id": "a",
        "name": "A",
        "n": len(levels),
        "not_sure": 1,
        "skipped": 1,
        "below_min_responses": True,
        "distribution": None,
        "current": None,
        "target": None,
        "importance": None,
        "gap": None,
        "spread": None,
        "consensus": None,
        "rwg": None,
        "disagreement": False,
        "agreement": None,
        "weight": 2.0,
        "comments": None,
        "counts_hidden": False,
        "iteration": 1,
    }
    assert (report.overall.score, report.overall.stage, report.overall.weakest_areas) == (
        None,
        None,
        (),
    )
    assert report.top_gaps == ()
    shown = area_of(analyse(fw, columns(a=answers), invited=5, min_responses=1), "a")
    assert shown.current is not None and shown.gap is not None  # the same answers, shown


def test_overall_roadmap_and_disagreements_use_shown_areas_only() -> None:
    # a: 1, 1, 1 -> 4 (gap 3); b: 1, 4 -> 4 (median 2.5, gap 1.5, consensus 0: split, so never
    # on the roadmap); c: 3, 3, 3 -> 4.
    answers = columns(
        a=[A(1, 4)] * 3,
        b=[A(1, 4), A(4, 4)],
        c=[A(3, 4)] * 3,
    )
    everything = analyse(F4, answers, invited=3, min_responses=1)
    # b splits, so its median (2.5) is shown nowhere, not even inside the score
    assert everything.overall.score == pytest.approx((1 + 3) / 2)
    assert [g.id for g in everything.top_gaps] == ["a", "c"]
    assert area_of(everything, "b").disagreement
    assert everything.overall.split == (area_of(everything, "b").area,)

    report = analyse(F4, answers, invited=3, min_responses=3)
    assert area_of(report, "b").below_min_responses
    assert report.overall.score == 2.0  # (1 + 3) / 2
    assert report.overall.stage is not None and report.overall.stage.value == 1  # a is at 1
    assert [a.id for a in report.overall.weakest_areas] == ["a"]
    assert [(g.id, g.gap) for g in report.top_gaps] == [("a", 3.0), ("c", 1.0)]
    assert [r.id for r in report.areas if r.disagreement] == []
    data = report.to_dict()
    assert data["overall"]["weakest_areas"] == ["a"]
    assert [g["area"] for g in data["top_gaps"]] == ["a", "c"]
    assert report.baseline().areas == {"a": 1.0, "b": None, "c": 3.0}


def test_overall_is_withheld_when_fewer_than_min_responses_people_responded() -> None:
    answers = columns(a=currents(1, 2), b=currents(3, 3), c=currents(NS, 4))
    report = analyse(F4, answers, invited=5, min_responses=3)
    assert report.participants.responded == 2
    assert all(r.below_min_responses and r.current is None for r in report.areas)
    assert report.to_dict()["overall"] == {
        "score": None,
        "stage": None,
        "stage_key": None,
        "stage_label": None,
        "next_stage": None,
        "close_to_next": False,
        "areas_rated": 0,
        "areas_at_next": None,
        "holding_back": [],
        "weakest_areas": [],
        "weakest_level": None,
        "split_areas": [],
    }
    at_two = analyse(F4, answers, invited=5, min_responses=2)
    assert at_two.overall.score == 2.25  # a 1.5 and b 3 shown; c has one level, withheld
    assert [a.id for a in at_two.overall.weakest_areas] == ["a"]


def test_distribution_and_comments_shown_at_min_responses_sorted() -> None:
    answers = [
        A(2, comment="zeta"),
        A(3, comment="  Banana "),
        A(NS, comment="apple"),
        A(4, comment="   "),
        A(1, comment=""),
    ]
    r = area_of(run(F4, min_responses=4, a=answers), "a")
    assert (r.n, r.below_min_responses) == (4, False)
    assert r.distribution == {1: 1, 2: 1, 3: 1, 4: 1}
    assert r.comments == ("apple", "Banana", "zeta")  # case does not decide the order


def test_min_responses_default_is_three() -> None:
    two = analyse(F4, columns(a=currents(1, 2)), invited=2)
    three = analyse(F4, columns(a=currents(1, 2, 2)), invited=3)
    assert (area_of(two, "a").below_min_responses, area_of(three, "a").below_min_responses) == (
        True,
        False,
    )
    assert (area_of(two, "a").current, two.overall.score) == (None, None)
    assert area_of(three, "a").current is not None and three.overall.score == 2.0
    assert two.settings.min_responses == 3


# --------------------------------------------------------------------------- participants


def test_participants_responded_and_completed() -> None:
    answers = {
        "all-levels": {"a": A(1), "b": A(2), "c": A(3)},
        "marks-count-as-complete": {"a": A(NS), "b": A(SK), "c": A(4)},
        "only-not-sure": {"a": A(NS), "b": A(NS), "c": A(NS)},
        "stopped-early": {"a": A(2)},
        "target-only": {"a": A(None, 3), "b": A(1), "c": A(1)},
        "unknown-area": {"zzz": A(1)},
        "empty": {},
    }
    report = analyse(F4, answers, invited=9)
    assert report.participants.invited == 9
    assert report.participants.responded == 4  # all-levels, marks, stopped-early, target-only
    assert report.participants.completed == 2  # all-levels, marks (only-not-sure gave no level)
    assert report.to_dict()["participants"] == {"invited": 9, "responded": 4, "completed": 2}


def test_someone_who_skipped_every_area_has_neither_responded_nor_completed() -> None:
    answers = {"skipper": {"a": A(SK), "b": A(SK), "c": A(SK)}, "one": {"a": A(2)}}
    participants = analyse(F4, answers, invited=2).participants
    assert (participants.responded, participants.completed) == (1, 0)


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.text(max_size=3),
        st.dictionaries(
            st.sampled_from("abc"), st.builds(A, st.sampled_from([None, NS, SK, 1, 4])), max_size=3
        ),
        max_size=5,
    )
)
def test_completed_never_exceeds_responded(answers: dict[str, dict[str, AreaAnswer]]) -> None:
    participants = analyse(F4, answers, invited=len(answers)).participants
    assert participants.completed <= participants.responded <= len(answers)


# --------------------------------------------------------------------------- trend


def test_trend_against_baseline_from_previous_report_json() -> None:
    before = run(F4, a=currents(1, 2), b=currents(3), c=currents(NS))
    stored = json.loads(json.dumps(before.to_dict("de")))
    baseline = Baseline.from_report_dict(stored)
    assert baseline == Baseline("test", 2.25, {"a": 1.5, "b": 3.0, "c": None})
    assert before.baseline().areas == baseline.areas

    after = analyse(
        F4,
        columns(a=currents(3, 3), b=currents(NS), c=currents(2)),
        invited=3,
        previous=baseline,
        min_responses=1,
    )
    assert after.trend is not None
    assert after.trend.overall.previous == 2.25
    assert after.trend.overall.current == 2.5
    assert after.trend.overall.change == pytest.approx(0.25)
    assert [(c.area.id, c.previous, c.current, c.change) for c in after.trend.areas] == [
        ("a", 1.5, 3.0, 1.5),
        ("b", 3.0, None, None),
        ("c", None, 2.0, None),
    ]
    assert after.to_dict()["trend"] == {
        "overall": {"previous": 2.25, "current": 2.5, "change": 0.25},
        "areas": [
            {"area": "a", "previous": 1.5, "current": 3.0, "change": 1.5},
            {"area": "b", "previous": 3.0, "current": None, "change": None},
            {"area": "c", "previous": None, "current": 2.0, "change": None},
        ],
    }


def test_trend_ignores_withheld_areas_then_and_now() -> None:
    # Before (min 3): a 1, 1, 1 and c 3, 3, 3 shown; b 2, 2 withheld. Overall (1 + 3) / 2 = 2.
    before = analyse(
        F4, columns(a=currents(1, 1, 1), b=currents(2, 2), c=currents(3, 3, 3)), invited=3
    )
    baseline = Baseline.from_report_dict(json.loads(json.dumps(before.to_dict())))
    assert baseline == Baseline("test", 2.0, {"a": 1.0, "b": None, "c": 3.0})
    # Now: a 2, 2 withheld; b 3, 3, 3 and c 4, 4, 4 shown. Overall (3 + 4) / 2 = 3.5.
    after = analyse(
        F4,
        columns(a=currents(2, 2), b=currents(3, 3, 3), c=currents(4, 4, 4)),
        invited=3,
        previous=baseline,
    )
    assert after.trend is not None
    overall = after.trend.overall
    assert (overall.previous, overall.current, overall.change) == (2.0, 3.5, 1.5)
    assert [(c.area.id, c.previous, c.current, c.change) for c in after.trend.areas] == [
        ("a", 1.0, None, None),  # withheld now
        ("b", None, 3.0, None),  # withheld then
        ("c", 3.0, 4.0, 1.0),
    ]


def test_baseline_from_an_older_report_ignores_medians_of_withheld_areas() -> None:
    stored = run(F4, a=currents(1, 1, 1), b=currents(2, 2)).to_dict()  # min 1: all shown
    stored["areas"][1]["below_min_responses"] = True  # as stored before areas were withheld
    baseline = Baseline.from_report_dict(stored)
    assert baseline.areas == {"a": 1.0, "b": None, "c": None}


def test_no_trend_without_baseline_or_for_another_framework() -> None:
    answers = columns(a=currents(2))
    assert analyse(F4, answers, invited=1).trend is None
    other = Baseline("other", 2.0, {"a": 1.0})
    report = analyse(F4, answers, invited=1, previous=other)
    assert report.trend is None and report.to_dict()["trend"] is None


def test_baseline_rejects_data_that_is_not_a_report() -> None:
    with pytest.raises(ValueError, match="not an analysis report"):
        Baseline.from_report_dict({"schema": 1, "areas": []})
    with pytest.raises(ValueError, match="schema"):
        Baseline.from_report_dict({"schema": 5})


def test_baseline_reads_a_stored_schema_1_report() -> None:
    stored = {"schema": 1, "framework": {"id": "test"}, "overall": {"score": 2.5}, "areas": []}
    assert Baseline.from_report_dict(stored) == Baseline("test", 2.5, {})


# --------------------------------------------------------------------------- JSON contract


def test_to_dict_keys_and_values_on_the_bundled_framework() -> None:
    fw = load_catalog().get("cx-maturity")
    first, second = fw.areas[0].id, fw.areas[1].id
    answers = columns(
        **{first: [A(1, 3, comment="b"), A(2, 3, comment="a"), A(2, 4)], second: [A(NS)]}
    )
    data = analyse(fw, answers, invited=4).to_dict("es")
    assert json.loads(json.dumps(data)) == data  # JSON-ready as is
    assert list(data) == [
        "schema",
        "framework",
        "lang",
        "settings",
        "participants",
        "overall",
        "areas",
        "top_gaps",
        "trend",
        "actions",
    ]
    assert data["schema"] == 4 and data["lang"] == "es" and data["actions"] == []
    assert data["framework"] == {"id": "cx-maturity", "version": fw.version, "name": fw.name.es}
    assert data["settings"] == {"min_responses": 3, "consensus_threshold": 0.7}
    assert [a["id"] for a in data["areas"]] == [a.id for a in fw.areas]
    area = data["areas"][0]
    assert area == {
        "id": first,
        "name": fw.areas[0].name.es,
        "n": 3,
        "not_sure": 0,
        "skipped": 0,
        "below_min_responses": False,
        "distribution": {"1": 1, "2": 2, "3": 0, "4": 0},
        "current": {"median": 2.0, "mean": 1.667},
        "target": {"median": 3.0, "mean": 3.333},
        "importance": None,
        "gap": 1.0,
        "spread": [1, 2],
        "consensus": round(1 + 1 / 3 * log2(1 - (2 / 3) / 3) + 2 / 3 * log2(1 - (1 / 3) / 3), 3),
        "rwg": round(1 - (1 / 3) / 1.25, 3),
        "disagreement": False,
        "agreement": "moderate",  # consensus 0.766: at the threshold 0.7 or above, below 0.8
        "weight": 1.0,
        "comments": ["a", "b"],
        "counts_hidden": False,
        "iteration": 1,
    }
    assert data["areas"][1]["not_sure"] == 1 and data["areas"][1]["distribution"] is None
    assert data["overall"]["stage_label"] == fw.scale.level(2).label.es
    assert data["overall"]["weakest_areas"] == [first]
    assert data["top_gaps"] == [
        {
            "area": first,
            "name": fw.areas[0].name.es,
            "rank": 1,
            "gap": 1.0,
            "current": 2.0,
            "target": 3.0,
            "next_level": 3,
            "next_step": fw.areas[0].levels[3].es,
            "actions": [a.es for a in fw.areas[0].actions.get(3, ())],
        }
    ]


def test_to_dict_falls_back_to_english_for_unknown_language() -> None:
    data = run(F4, a=currents(2)).to_dict("fr")
    assert (data["lang"], data["areas"][0]["name"], data["framework"]["name"]) == (
        "en",
        "A",
        "Test",
    )
