"""The chart: a headless PNG of a fixed size, also with areas unanswered or withheld."""

from __future__ import annotations

import struct

from bot.analysis import analyse
from bot.answers import AreaAnswer
from bot.frameworks import Framework, parse_framework
from bot.render.chart import EMPTY_COLOR, HEIGHT_PX, WIDTH_PX, chart_figure, render_chart

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
    widths = [bar.get_width() for bar in ax.patches]
    assert widths == [2.0, 0.0, 3.0, 0.0]  # current alpha, beta; target alpha, beta
    notes = [text.get_text() for text in ax.texts]
    assert notes == ["withheld to protect anonymity (answers: 1, minimum: 3)"]
    colors = [label.get_color() for label in ax.get_yticklabels()]
    assert colors[1] == EMPTY_COLOR != colors[0]
    assert ax.get_title().endswith("Overall stage: 2 · Medium")


def test_chart_of_a_round_with_too_few_people_withholds_the_stage(mini: Framework) -> None:
    answers = {p: {"alpha": AreaAnswer(1, 3)} for p in "ab"}
    report = analyse(mini, answers, invited=2, min_responses=3)
    (ax,) = chart_figure(report, "de").axes
    assert [bar.get_width() for bar in ax.patches] == [0.0] * 4
    assert [text.get_text() for text in ax.texts] == [
        "zum Schutz der Anonymität ausgeblendet (Antworten: 2, Minimum: 3)",
        "keine Antworten",
    ]
    assert "Die Gesamtstufe ist zum Schutz der Anonymität ausgeblendet" in ax.get_title()
