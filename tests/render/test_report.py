"""JSON, Markdown and terminal renderings of a report, checked against hand-written output."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot.analysis import Baseline, Report, analyse
from bot.answers import AreaAnswer
from bot.frameworks import LANGUAGES, Catalog, Framework, parse_framework
from bot.i18n import TEMPLATES, messages
from bot.render import wording
from bot.render.report import render_json, render_markdown, render_text
from bot.render.wording import change_text, level_text, number

SMALL_MARKDOWN = """\
# Mini: assessment report

## Summary

**Overall stage: 1 · Low**

Left out for too few answers: Beta. No other area is at 2 yet.

- Weakest area: Alpha (1 · Low)
- Score: 1 on a scale of 1 to 3, the mean of the shown areas' medians, each counted by its \
weight in the framework
- 3 of 4 invited people answered; 2 went through every area.

## Roadmap: the gaps to close first

- **1. Alpha**: current 1 · Low, target –, gap –
  - Next step (2 · Medium): Alpha is partial.

## Disagreements to discuss

No area shows a split; where few answered, agreement is not checked if that would give answers \
away, so such areas may still hide different views.

## Areas

| Area | Answers | Not sure | Current (median) | Target (median) | Gap | Agreement (consensus) \
| Answers per level (1 / 2 / 3) |
|---|--:|--:|---|---|--:|---|---|
| Alpha | 3 | 0 | 1 · Low | – | – | – | – |
| Beta | – | – | – | – | – | – | too few answers to show |

Current and target are the middle answer (median). Consensus runs from 0 (split between the \
extremes) to 1 (full agreement): low agreement below 0.7 (a disagreement), strong from 0.8, \
moderate in between. An area with fewer than 3 answers (the round lead's own not counted) is \
withheld to protect anonymity: it shows no figure, and the overall stage, the roadmap and the \
trend leave it out. So is a target or an importance given fewer than 3 times: it shows –. \
Without a target the area stays out of the roadmap unless it holds the overall stage back (then \
it gets its next step); without an importance it counts as medium. Answers per level are shown \
from 5 answers on. Below 5 answers, agreement is checked only where it says no more than the \
median: not among fewer than 5 answers besides the round lead's on a scale where so few could \
only agree by being identical, nor where the median falls between two levels (then only one mix \
of answers could agree). Such an area shows its median alone, with no agreement figure, and is \
never marked as split. The overall stage is the highest stage every area has reached (its \
median); it is close to the next one when at least 75% of the areas are already there. An area \
whose answers split has no median to place, so it is left out of the stage and the roadmap \
until you agree where it is.

## Participation

- Invited: 4
- Answered at least one area: 3
- Answered every area: 2

## Comments

### Alpha

- Too slow

Comments are not shown for areas with too few answers: Beta.
"""

SMALL_TEXT = """\
Mini
====
Overall stage: 1 · Low
Left out for too few answers: Beta. No other area is at 2 yet.
Weakest area: Alpha (1 · Low)
3 of 4 invited people answered; 2 went through every area.

Roadmap: the gaps to close first
  1. Alpha: current 1 · Low, target –, gap –
     Next step (2 · Medium): Alpha is partial.

Disagreements to discuss
  No area shows a split; where few answered, agreement is not checked if that would give \
answers away, so such areas may still hide different views.

  Area   Current (median)  Target (median)   Answers  Agreement (consensus)
  Alpha  1 · Low           –                 3        –
  Beta   too few answers to show
"""


def test_markdown_report_of_a_small_round(small_report: Report) -> None:
    assert render_markdown(small_report, "en") == SMALL_MARKDOWN


def test_terminal_summary_of_a_small_round(small_report: Report) -> None:
    assert render_text(small_report, "en") == SMALL_TEXT


def test_markdown_in_spanish_and_german_translates_labels_and_uses_decimal_commas(
    small_report: Report,
) -> None:
    es = render_markdown(small_report, "es")
    assert "| Alfa | 3 | 0 | 1 · Bajo | – | – | – | – |" in es
    assert "| Beta | – | – | – | – | – | – | muy pocas respuestas para mostrarlas |" in es
    assert "el acuerdo solo se comprueba donde no dice más que la mediana" in es
    de = render_markdown(small_report, "de")
    assert "| zu wenige Antworten, um sie zu zeigen |" in de
    assert "wird die Einigkeit nur geprüft, wo sie nicht mehr verrät als der Median" in de
    # four answers 1, 1, 3, 3 at a threshold of 0.6 (agreement judged from 3): split, no counts
    four = {p: {"alpha": AreaAnswer(v, 3)} for p, v in zip("abcd", (1, 1, 3, 3), strict=True)}
    lenient = replace(small_report.framework, consensus_threshold=0.6)
    split = analyse(lenient, four, invited=4)
    es = render_markdown(split, "es")
    assert (
        "Aún no hay etapa global: las respuestas están divididas en todas las áreas mostradas "
        "(Alfa); pónganse de acuerdo primero sobre dónde están." in es
    )
    assert "| Alfa | 4 | 0 | las respuestas difieren | 3 · Alto | – | bajo | – |" in es
    de = render_markdown(split, "de")
    assert "## Meinungsverschiedenheiten zur Diskussion" in de
    assert "- **Alpha**: die Antworten gehen auseinander (geringe Einigkeit)" in de
    five = {p: {"alpha": AreaAnswer(v, 3)} for p, v in zip("abcde", (1, 1, 1, 2, 2), strict=True)}
    counted = render_markdown(analyse(small_report.framework, five, invited=5), "es")
    assert "| Alfa | 5 | 0 | respuestas divididas: 3 dicen 1 · Bajo, 2 dicen 2 · Medio |" in counted
    assert "| bajo (0,6) | 3 / 2 / 0 |" in counted  # five answers: the counts may show


def test_markdown_of_a_round_nobody_answered_says_so(mini: Framework) -> None:
    text = render_markdown(analyse(mini, {}, invited=5), "en")
    assert "\nNobody has given a level yet, so there is no stage to report.\n" in text
    assert "No area is below its target." in text
    assert "People broadly agree on every area." in text
    assert "| Alpha | – | – | – | – | – | – | too few answers to show |" in text
    assert "No comments." in text
    assert "- 0 of 5 invited people answered; 0 went through every area." in text


def test_markdown_without_targets_drops_the_target_column_and_gaps_run_to_the_top(
    mini: Framework,
) -> None:
    data = mini.to_dict() | {"ask_target": False, "ask_importance": True}
    framework = parse_framework(data, "mini")
    answers = {p: {"alpha": AreaAnswer(2, importance=3)} for p in ("a", "b", "c")}
    text = render_markdown(analyse(framework, answers, invited=3), "en")
    assert (
        "| Area | Answers | Not sure | Current (median) | Gap | Agreement (consensus) "
        "| Importance (mean) |" in text
    )
    # 3 answers: no counts, no agreement word ("strong" among three would say all agree), and
    # no importance mean (3 among three says each gave 3)
    assert "| Alpha | 3 | 0 | 2 · Medium | 1 | – | – | – |" in text
    assert "- **1. Alpha**: current 2 · Medium, target 3 · High, gap 1" in text


def test_markdown_trend_compares_with_the_previous_round(small_report: Report) -> None:
    previous = Baseline("mini", 2.0, {"alpha": 1.5, "beta": None})
    answers = {"x": {"alpha": AreaAnswer(1), "beta": AreaAnswer(3)}}
    report = analyse(small_report.framework, answers, invited=1, previous=previous, min_responses=1)
    text = render_markdown(report, "en")
    assert "Overall score: 2 → 2.3 (↑ +0.3)" in text
    assert "| Alpha | 1.5 | 1 | ↓ -0.5 |" in text
    assert "| Beta | – | 3 | – |" in text


def test_markdown_of_a_withheld_area_shows_no_level_of_its_answer(mini: Framework) -> None:
    # Three people say alpha is 2 (Medium) and want 2; only Ana rates beta: 3 (High), target 3,
    # with a comment. Nothing of hers may show: no "High", no "3 ·", no comment, no gap.
    answers = {p: {"alpha": AreaAnswer(2, 2)} for p in ("Ana", "Ben", "Cy")}
    answers["Ana"]["beta"] = AreaAnswer(3, 3, comment="SECRET beta")
    report = analyse(mini, answers, invited=3, min_responses=3)
    for text in (render_markdown(report, "en"), render_text(report, "en")):
        assert "High" not in text and "3 ·" not in text and "SECRET" not in text
    text = render_markdown(report, "en")
    assert "| Beta | – | – | – | – | – | – | too few answers to show |" in text  # not even n
    assert "**Overall stage: 2 · Medium**\n" in text
    assert (
        "Left out for too few answers: Beta. Every other area is at 2 or above; none is at 3 yet."
        in text
    )
    assert "- Weakest area: Alpha (2 · Medium)\n" in text
    assert "No area shown is below its target." in text
    # three alike on three levels: "agree" would say all three gave 2 (`unanimity_floor`)
    assert "People broadly agree" not in text
    assert "No area shows a split; where few answered, agreement is not checked" in text
    assert "Comments are not shown for areas with too few answers: Beta." in text


def test_markdown_and_terminal_when_the_overall_is_withheld(mini: Framework) -> None:
    answers = {p: {"alpha": AreaAnswer(1, 3), "beta": AreaAnswer(3, 3)} for p in ("Ana", "Ben")}
    previous = Baseline("mini", 2.0, {"alpha": 1.0, "beta": 3.0})
    report = analyse(mini, answers, invited=4, min_responses=3, previous=previous)
    text = render_markdown(report, "en")
    assert (
        "\nLevels are withheld to protect anonymity: none is shown until at least 3 people have "
        "given one, and 2 did.\n" in text
    )
    assert "Weakest" not in text and "Low" not in text and "High" not in text
    assert "Overall score: 2 → – (–)" in text
    assert "| Alpha | 1 | – | – |" in text  # the previous round's median, nothing of now
    terminal = render_text(report, "de")
    assert "Die Stufen sind zum Schutz der Anonymität ausgeblendet" in terminal
    assert "  Beta   zu wenige Antworten, um sie zu zeigen\n" in terminal  # no count either


def test_markdown_keeps_table_rows_and_comment_items_on_one_line(mini: Framework) -> None:
    answers = {p: {"alpha": AreaAnswer(2, comment="a | b\nc")} for p in ("a", "b", "c")}
    text = render_markdown(analyse(mini, answers, invited=3), "en")
    assert "- a \\| b c\n" in text


def test_markdown_in_comments_is_shown_as_written_never_as_links_images_or_html(
    mini: Framework,
) -> None:
    comments = [
        "see [the plan](https://evil.example/x) ![pixel](https://t.example/p.png)",
        "<img src=x onerror=alert(1)> **loud** www.evil.example",
        "# not a heading",
        "1. not a list",
    ]
    answers = {f"p{i}": {"alpha": AreaAnswer(2, comment=c)} for i, c in enumerate(comments)}
    text = render_markdown(analyse(mini, answers, invited=4), "en")
    items = text.split("### Alpha\n\n")[1].split("\n\n")[0].splitlines()
    assert items == [
        "- \\# not a heading",
        "- 1\\. not a list",
        "- \\<img src=x onerror=alert\\(1\\)\\> \\*\\*loud\\*\\* www\\.evil.example",
        "- see \\[the plan\\]\\(https:\\//evil.example/x\\) "
        "\\!\\[pixel\\]\\(https:\\//t.example/p.png\\)",
    ]


def test_json_is_the_report_dict_with_readable_non_ascii(
    small_report: Report, mini: Framework
) -> None:
    assert json.loads(render_json(small_report, "es")) == small_report.to_dict("es")
    answers = {p: {"alpha": AreaAnswer(2, comment="Größe ✓")} for p in ("a", "b", "c")}
    text = render_json(analyse(mini, answers, invited=3), "de")
    assert '"comments": [\n        "Größe ✓",' in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_bundled_framework_renders_in_every_language(catalog: Catalog, lang: str) -> None:
    for framework in catalog:
        first = framework.areas[0].id
        answers = {f"p{i}": {first: AreaAnswer(1 + i % 2, comment="ok")} for i in range(4)}
        for report in (analyse(framework, {}, invited=3), analyse(framework, answers, invited=4)):
            assert render_markdown(report, lang).startswith(f"# {framework.name.get(lang)}")
            assert render_text(report, lang).startswith(framework.name.get(lang))


@pytest.mark.parametrize(
    ("value", "lang", "digits", "text"),
    [
        (2.0, "en", 1, "2"),
        (2.34, "en", 1, "2.3"),
        (2.34, "de", 1, "2,3"),
        (0.7369, "es", 2, "0,74"),
        (-0.04, "en", 1, "0"),
        (10.0, "en", 2, "10"),
        (None, "en", 1, "–"),
    ],
)
def test_numbers_are_rounded_without_trailing_zeros_in_the_language(
    value: float | None, lang: str, digits: int, text: str
) -> None:
    assert number(value, lang, digits) == text


def test_levels_and_changes_as_people_read_them(mini: Framework) -> None:
    scale = mini.scale
    assert level_text(2.0, scale, "es") == "2 · Medio"
    assert level_text(3, scale, "en") == "3 · High"
    assert level_text(2.5, scale, "de") == "zwischen 2 · Mittel und 3 · Hoch"
    assert level_text(1.5, scale, "es", short=True) == "entre 1 y 2"
    assert level_text(3.5, scale, "en") == "3.5"  # off the scale: only a number can say it
    assert level_text(None, scale, "en") == "–"
    changes = [change_text(v, "de") for v in (0.5, -1.0, 0.0, 0.01, None)]
    assert changes == ["↑ +0,5", "↓ -1", "→ 0", "→ 0", "–"]


def test_every_message_the_report_renderers_name_is_in_the_catalogs() -> None:
    render = Path(wording.__file__).parent  # the report's renderers, not the dialogue's
    sources = [
        *TEMPLATES.glob("*.j2"),
        *(render / name for name in ("wording.py", "chart.py", "blocks/summary.py")),
    ]
    prefixes = "report|summary|stage|split|agreement|level|list|chart|disagreement"
    pattern = rf"""["']((?:{prefixes})_[a-z0-9_]+)["']"""  # also keys chosen by a condition
    named = {key for path in sources for key in re.findall(pattern, path.read_text())}
    assert {"report_overall_close", "stage_reason_close", "split_many"} <= named  # it finds them
    assert sorted(named - set(messages())) == []
