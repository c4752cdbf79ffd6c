"""The chart: a headless PNG of a fixed size, also with areas unanswered or withheld."""

from __future__ import annotations

import struct

from bot.analysis import analyse
from bot.answers import AreaAnswer
from bot.frameworks import Framework, parse_framework
from bot.render.chart import (
    EMPTY_COLOR,
    HEIGHT_PX,
    SPLIT_TEXT_COLOR,
    WIDTH_PX,
    chart_figure,
    render_chart,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk, which always comes first."""
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_chart_is_a_png_of_fixed_size_also_with_an_area_nobody_rated(mini: Framework) -> None:
    report = analyse(mini, {"a": {"alpha": AreaAnswer(2, 3)}}, invited=2)
    assert png_size(render_chart(report, "es")) == (WIDTH_PX, HEIGHT_PX) == (1200, 800)


def test_chart_renders_without_targets_when_nobody_gave_a_level(mini: Framework) -> None:
    framework = parse_framework(mini.to_dict() | {"ask_target": False}, "mini")
    assert png_size(render_chart(analyse(framework, {}, invited=2), "de")) == (1200, 800)


def test_chart_draws_a_withheld_area_empty_and_says_why(mini: Framework) -> None:
    # alpha: 2, 2, 2 -> 3 (shown); beta: one answer, 1 -> 3, withheld below the 3 needed.
    answers = {p: {"alpha": AreaAnswer(2, 3)} for p in "abc"}
    answers["a"]["beta"] = AreaAnswer(1, 3)
    report = analyse(mini, answers, invited=3, min_responses=3)
    assert png_size(render_chart(report, "en")) == (1200, 800)
    (ax,) = chart_figure(report, "en").axes
    assert len(ax.collections) == 0  # beta's one answer is not drawn, nor alpha's three (below)
    notes = [text.get_text() for text in ax.texts]
    assert notes == ["too few answers to show"]  # beta's; alpha shows its median only
    colors = [label.get_color() for label in ax.get_yticklabels()]
    assert colors[1] == EMPTY_COLOR != colors[0]
    assert (
        ax.get_title(loc="left")
        == "Overall stage: 2 · Medium\nLeft out for too few answers: Beta. Every other area is at 2 or above; none is at 3 yet."
    )


def test_chart_shows_the_spread_and_marks_disagreements_in_the_language(mini: Framework) -> None:
    # alpha: 1, 1, 3, 3, 3 -> split (a disagreement); beta: 2, 2, 2, 2, 2. Five answers: counted.
    answers = {
        p: {"alpha": AreaAnswer(a, 3), "beta": AreaAnswer(2, 3)}
        for p, a in (("p", 1), ("q", 1), ("r", 3), ("s", 3), ("t", 3))
    }
    report = analyse(mini, answers, invited=5)
    figure = chart_figure(report, "es")
    (ax,) = figure.axes
    alpha, beta = ax.collections
    assert [tuple(xy) for xy in alpha.get_offsets()] == [(1.0, 0.0), (3.0, 0.0)]
    assert [tuple(xy) for xy in beta.get_offsets()] == [(2.0, 1.0)]
    assert [text.get_text() for text in ax.texts] == ["2", "3", "5"]
    bars = [  # the vertical median bars (the target's track is horizontal, its diamond a point)
        line.get_ydata()[0]
        for line in ax.get_lines()
        if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]
    ]
    assert bars == [1 - 0.42]  # beta's median; alpha's split has none
    labels = ax.get_yticklabels()
    assert (labels[0].get_color(), labels[1].get_color()) == (SPLIT_TEXT_COLOR, "black")
    legend = [text.get_text() for text in figure.legends[0].get_texts()]
    assert legend == [
        "Respuestas por nivel (el número: cuántas)",
        "Actual (mediana)",
        "Objetivo (mediana)",
        "Acuerdo bajo: conviene debatirlo",
    ]
    assert figure.get_suptitle() == "Mini"


def test_chart_of_a_round_with_too_few_people_withholds_the_stage(mini: Framework) -> None:
    answers = {p: {"alpha": AreaAnswer(1, 3)} for p in "ab"}
    report = analyse(mini, answers, invited=2, min_responses=3)
    (ax,) = chart_figure(report, "de").axes
    assert len(ax.collections) == 0  # not one dot
    assert [text.get_text() for text in ax.texts] == ["zu wenige Antworten, um sie zu zeigen"] * 2
    assert ax.get_title(loc="left").startswith(
        "Die Stufen sind zum Schutz der Anonymität ausgeblendet"
    )


def test_chart_among_few_people_draws_no_answers_only_the_medians(mini: Framework) -> None:
    """Four answers (1, 1, 1, 3): dots at 1 and 3 with a median of 1 would tell the one who
    said 3 that the other three said 1."""
    answers = {p: {"alpha": AreaAnswer(v, 3)} for p, v in zip("pqrs", (1, 1, 1, 3), strict=True)}
    (ax,) = chart_figure(analyse(mini, answers, invited=4), "en").axes
    assert len(ax.collections) == 0  # no dot
    assert not [text for text in ax.texts if text.get_text().isdigit()]
