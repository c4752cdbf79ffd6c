"""The Delphi follow-up's numbers, against hand-computed values and an independent kappa."""

from __future__ import annotations

from math import log2

import pytest

from bot.analysis import STABLE_SHARE, analyse, feedback, shifts, weighted_kappa
from bot.answers import AreaAnswer
from tests.test_analysis import make_framework

A = AreaAnswer


def test_weighted_kappa_matches_scikit_learn() -> None:
    # Values computed once with scikit-learn 1.9.1 in a scratch venv (not a dependency):
    # cohen_kappa_score(before, after, weights="linear", labels=scale)
    assert weighted_kappa(
        list(zip([1, 2, 4, 4, 3, 1], [1, 3, 4, 3, 3, 2], strict=True)), (1, 2, 3, 4)
    ) == pytest.approx(0.6086956521739131)
    assert weighted_kappa(
        list(zip([1, 3, 1, 3, 3], [1, 3, 2, 3, 1], strict=True)), (1, 2, 3)
    ) == pytest.approx(0.4)


def test_weighted_kappa_by_hand_and_when_undefined() -> None:
    # (1,1) (3,3) (1,2) (3,3) (3,1) on 1..3, weights 1 - |i-j|/2: observed 3.5/5 = 0.7;
    # rows 2,0,3 x columns 2,1,2: expected (4 + 1 + 1.5 + 6) / 25 = 0.5; (0.7-0.5)/0.5 = 0.4
    pairs = [(1, 1), (3, 3), (1, 2), (3, 3), (3, 1)]
    assert weighted_kappa(pairs, (1, 2, 3)) == pytest.approx(0.4)
    assert weighted_kappa([(2, 2), (2, 2), (2, 2)], (1, 2, 3)) is None  # chance agreement is 1
    assert weighted_kappa([], (1, 2, 3)) is None
    assert weighted_kappa([(1, 1), (3, 3), (1, 1)], (1, 2, 3)) == pytest.approx(1.0)


def test_shifts_report_consensus_moved_and_stability() -> None:
    fw = make_framework(("a",), levels=3, ask_target=False)
    before = {f"p{i}": {"a": A(v)} for i, v in enumerate([1, 3, 1, 3, 3])}
    after = {f"p{i}": {"a": A(v)} for i, v in enumerate([1, 3, 2, 3, 1])}
    after["p5"] = {"a": A(2)}  # answered only now: not a pair
    (shift,) = shifts(
        analyse(fw, before, invited=6),
        analyse(fw, after, invited=6),
        before,
        after,
    )
    # before: 2 x 1, 3 x 3, mean 2.2: 1 + 0.4 log2(1 - 1.2/2) + 0.6 log2(1 - 0.8/2)
    assert shift.consensus_before == pytest.approx(1 + 0.4 * log2(0.4) + 0.6 * log2(0.6))
    # after: 1 x2, 2 x2, 3 x2, mean 2: 1 + 2 * (1/3) log2(1/2) = 1/3
    assert shift.consensus_after == pytest.approx(1 / 3)
    assert (shift.pairs, shift.moved, shift.unchanged) == (5, 2, pytest.approx(0.6))
    assert shift.kappa == pytest.approx(0.4)
    assert (shift.agreed, shift.stable, shift.disagreement, shift.open) == (
        False,
        False,
        True,
        True,
    )


def test_an_area_is_stable_from_the_stable_share_and_movement_needs_enough_pairs() -> None:
    fw = make_framework(("a", "b"), levels=3, ask_target=False)
    before = {f"p{i}": {"a": A(v), "b": A(1)} for i, v in enumerate([1, 3, 1, 3, 3])}
    after = {f"p{i}": {"a": A(v)} for i, v in enumerate([1, 3, 1, 3, 1])}
    after |= {"p0": {**after["p0"], "b": A(2)}, "p1": {**after["p1"], "b": A(1)}}
    a, b = shifts(analyse(fw, before, invited=5), analyse(fw, after, invited=5), before, after)
    assert STABLE_SHARE == 0.8
    assert (a.moved, a.unchanged, a.stable, a.open) == (1, pytest.approx(0.8), True, False)
    assert a.shown  # five pairs: min_responses + COUNTS_MARGIN
    assert (b.pairs, b.shown, b.stable) == (2, False, False)
    led = shifts(analyse(fw, before, invited=5), analyse(fw, after, invited=5), before, after, "p0")
    assert not led[0].shown  # the lead's own pair does not count: four others are too few


def test_feedback_shows_the_distribution_only_with_enough_answers() -> None:
    fw = make_framework(("a", "b"), levels=3)
    picks = [(1, "z"), (3, "A"), (3, None), (1, None), (3, None)]
    answers = {f"p{i}": {"a": A(v, comment=c)} for i, (v, c) in enumerate(picks)}
    answers["p0"] = {**answers["p0"], "b": A(2, comment="mine")}
    data = analyse(fw, answers, invited=5).to_dict()
    shown = feedback(data, "a", 1, 7, 2)
    assert shown.distribution == ((1, 2), (2, 0), (3, 3))  # five answers: counts may show
    assert shown.comments == ("A", "z")  # sorted, as the report shows them
    assert (shown.own, shown.followup_of, shown.iteration) == (1, 7, 2)
    withheld = feedback(data, "b", 2, 7, 2)
    assert (withheld.distribution, withheld.comments) == (None, ())
    few = analyse(fw, {k: answers[k] for k in ("p0", "p1", "p2")}, invited=3).to_dict()
    assert feedback(few, "a", 1, 7, 2).distribution is None  # three: the levels are everyone's
