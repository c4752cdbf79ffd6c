"""The channel summary: valid Block Kit within Slack's limits, aggregates only, easy to read."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from bot.analysis import Baseline, Report, analyse
from bot.answers import AreaAnswer, Mark
from bot.frameworks import LANGUAGES, Catalog, Framework, Text
from bot.render.blocks import to_dicts
from bot.render.blocks.discussion import discussion_message
from bot.render.blocks.summary import summary_blocks, summary_text
from bot.render.report import render_markdown
from tests.blockkit import assert_valid_blocks


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """The text of every block, in order ("" for a divider)."""
    found = []
    for block in blocks:
        if block["type"] == "context":
            found.append(block["elements"][0]["text"])
        else:
            found.append(block.get("text", {}).get("text", ""))
    return found


def crowd(framework: Framework, people: int) -> dict[str, dict[str, AreaAnswer]]:
    """``people`` answers spread over the scale for every area, with comments and not sure."""
    values = framework.scale.values
    return {
        f"p{i}": {
            area.id: AreaAnswer(
                values[(i + j) % len(values)] if i % 5 != 4 else Mark.NOT_SURE,
                values[-1],
                (1 + i % 3) if framework.ask_importance else None,
                comment=f"SECRET comment {i}",
            )
            for j, area in enumerate(framework.areas)
        }
        for i in range(people)
    }


def test_small_round_reads_well_at_a_glance(small_report: Report) -> None:
    blocks = to_dicts(summary_blocks(small_report, "en"))
    assert_valid_blocks(blocks)
    assert [b["type"] for b in blocks] == [
        "header",
        "section",
        "context",
        "divider",
        "section",
        "divider",
        "section",
        "context",
    ]
    assert texts(blocks) == [
        "Mini: results",
        "*Overall stage: 1 · Low*\nLeft out for too few answers: Beta. No other area is at 2 "
        "yet.\nWeakest area: Alpha (1 · Low)",
        "3 of 4 invited people answered; 2 of them went through every area.\nAgreement is not "
        "checked in Alpha: with so few answers that would give answers away, so the level shown "
        "may hide different views.",
        "",
        # its target is withheld, but it holds the stage back: the next step all the same
        "*Top gaps: where to start*\n*1. Alpha*  1 · Low → –\n"
        "      _Next (2 · Medium): Alpha is partial._",
        "",
        "• *Alpha*  1 → –\n• *Beta*  too few answers to show",
        "Levels: 1 Low · 2 Medium · 3 High. Current → target: the middle answer of each "
        "(median); a target given fewer than 3 times shows –. No individual answer is shown; an "
        "area needs 3 answers to appear. All figures, the roadmap and the comments: full report.",
    ]
    assert summary_text(small_report, "en") == "Mini: overall stage 1 · Low; 3 of 4 answered."
    assert all(b["expand"] for b in blocks if b["type"] == "section")  # no "See more" on phones


@pytest.mark.parametrize("people", [0, 1, 7])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_bundled_framework_gives_valid_blocks_without_comments(
    catalog: Catalog, lang: str, people: int
) -> None:
    for framework in catalog:
        report = analyse(framework, crowd(framework, people), invited=max(people, 1))
        blocks = to_dicts(summary_blocks(report, lang, round_label="Q3"))
        assert_valid_blocks(blocks)
        assert "SECRET" not in json.dumps(blocks)
        assert blocks[0]["text"]["text"].endswith(" · Q3")
        assert summary_text(report, lang)


def test_round_nobody_answered_is_a_short_message(mini: Framework) -> None:
    blocks = to_dicts(summary_blocks(analyse(mini, {}, invited=3), "de"))
    assert texts(blocks) == [
        "Mini: Ergebnisse",
        "Noch hat niemand eine Stufe angegeben, daher gibt es keine Stufe zu berichten.",
        "0 von 3 Eingeladenen haben geantwortet; 0 davon haben alle Bereiche durchlaufen.",
    ]
    assert summary_text(analyse(mini, {}, invited=3), "es") == (
        "Mini: no se indicó ningún nivel; 0 de 3 respondieron."
    )


def test_trend_arrows_show_per_area_with_a_legend(mini: Framework) -> None:
    previous = Baseline("mini", 1.5, {"alpha": 1.0, "beta": 3.0})
    answers = {p: {"alpha": AreaAnswer(2, 3), "beta": AreaAnswer(3, 3)} for p in "abc"}
    report = analyse(mini, answers, invited=3, previous=previous)
    found = texts(to_dicts(summary_blocks(report, "en")))
    assert found[1] == (
        "*Overall stage: 2 · Medium*\nEvery area is at 2 or above, and 1 of 2 at 3 or above.\n"
        "Weakest area: Alpha (2 · Medium)"
    )
    assert "• *Alpha*  2 → 3 · ↑ +1\n• *Beta*  3 → 3 · → 0" in found
    assert found[-1].endswith(" ↑ ↓ change since the previous round.")


def test_framework_text_is_escaped_for_slack(mini: Framework) -> None:
    # Built directly: the loader refuses "<" and ">", the renderer escapes all the same.
    areas = (replace(mini.areas[0], name=Text("R&D <!channel>")), *mini.areas[1:])
    framework = replace(mini, areas=areas)
    report = analyse(framework, {"a": {"alpha": AreaAnswer(1, 2)}}, invited=1, min_responses=1)
    blocks = to_dicts(summary_blocks(report, "en"))
    dumped = json.dumps(blocks)
    assert "<!channel>" not in dumped
    assert "• *R&amp;D &lt;!channel&gt;*  1 → 2" in texts(blocks)[-2]
    assert "Weakest area: R&amp;D &lt;!channel&gt; (1 · Low)" in texts(blocks)[1]


def test_a_huge_framework_stays_within_slack_limits(mini: Framework) -> None:
    # Built directly, past the framework loader's own limit on areas: the renderer must cope.
    template = mini.areas[0]
    areas = tuple(
        replace(template, id=f"area-{i}", name=Text(f"Area {i} " + "x" * 140)) for i in range(1000)
    )
    framework = replace(mini, id="huge", areas=areas)
    answers = {p: {f"area-{i}": AreaAnswer(1, 3) for i in range(1000)} for p in "abc"}
    report = analyse(framework, answers, invited=3)
    blocks = to_dicts(summary_blocks(report, "en", round_label="y" * 200))
    assert_valid_blocks(blocks)
    assert len(blocks) == 50
    assert len(blocks[0]["text"]["text"]) == 150
    assert blocks[-1]["type"] == "context"
    noted = to_dicts(summary_blocks(report, "en", round_id=1, follow_up=False, note="Updated."))
    assert len(noted) == 50 and noted[-1]["elements"][0]["text"] == "Updated."  # room kept


def test_areas_below_min_responses_show_no_level_in_the_channel(mini: Framework) -> None:
    answers = {
        "a": {"alpha": AreaAnswer(2, 3), "beta": AreaAnswer(1, 3)},
        "b": {"alpha": AreaAnswer(2, 3)},
        "c": {"alpha": AreaAnswer(2, 3)},
    }
    report = analyse(mini, answers, invited=3, min_responses=3)
    assert [g.id for g in report.top_gaps] == ["alpha"]  # beta is withheld by the analysis
    found = texts(to_dicts(summary_blocks(report, "en")))
    gaps = next(text for text in found if text.startswith("*Top gaps"))
    assert "Alpha" in gaps and "Beta" not in gaps
    assert "• *Beta*  too few answers to show" in "\n".join(found)  # not even how many
    # beta's single answer, 1 · Low, shows nowhere (the legend names every level)
    assert "1 · Low" not in json.dumps(found, ensure_ascii=False)


def test_no_top_gaps_heading_when_only_withheld_areas_have_gaps(mini: Framework) -> None:
    # alpha 2, 2, 2 wants 2 (no gap); beta's one answer, 1 -> 3, would be the only gap.
    answers = {p: {"alpha": AreaAnswer(2, 2)} for p in "abc"}
    answers["a"]["beta"] = AreaAnswer(1, 3)
    report = analyse(mini, answers, invited=3, min_responses=3)
    assert report.top_gaps == ()
    blocks = to_dicts(summary_blocks(report, "en"))
    assert_valid_blocks(blocks)
    found = texts(blocks)
    assert not any("Top gaps" in text for text in found)
    assert [b["type"] for b in blocks] == [
        "header",
        "section",
        "context",
        "divider",  # one: two in a row would draw a double line
        "section",
        "context",
    ]
    assert found[4] == ("• *Alpha*  2 → 2\n• *Beta*  too few answers to show")


def test_overall_withheld_when_too_few_people_answered(mini: Framework) -> None:
    answers = {p: {"alpha": AreaAnswer(1, 3), "beta": AreaAnswer(3, 3)} for p in "ab"}
    report = analyse(mini, answers, invited=3, min_responses=3)
    blocks = to_dicts(summary_blocks(report, "es"))
    assert_valid_blocks(blocks)
    assert texts(blocks) == [
        "Mini: resultados",
        "Los niveles se omiten para proteger el anonimato: no se muestra ninguno hasta que al "
        "menos 3 personas hayan indicado uno, y lo hicieron 2.",
        "2 de 3 personas invitadas respondieron; 2 recorrieron todas las áreas.",
    ]
    assert summary_text(report, "de") == (
        "Mini: Gesamtstufe ausgeblendet (zu wenige Antworten); 2 von 3 haben geantwortet."
    )


def test_among_three_answers_no_level_but_the_medians_is_shown_anywhere(
    small_report: Report,
) -> None:
    """Alpha's three answers are 1, 1 and 2 (median 1): a range or a dot at 2 would tell the two
    who said 1 what the third said, and the one who said 2 what the other two said."""
    (alpha,) = [r for r in small_report.areas if r.area.id == "alpha"]
    shown = [
        json.dumps(to_dicts(summary_blocks(small_report, "en", round_id=1)), ensure_ascii=False),
        summary_text(small_report, "en"),
        render_markdown(small_report, "en"),
    ]
    assert alpha.spread == (1, 2)  # the answers did differ
    # 2 · Medium shows only as the next step up from the median, never as somebody's answer
    for step in ("Next step (2 · Medium)", "Next (2 · Medium)"):
        shown = [text.replace(step, "") for text in shown]
    assert all("2 · Medium" not in text for text in shown)
    assert "1 · Low" in shown[0] and "1 · Low" in shown[2]  # the median: a level two chose
    thread = discussion_message(small_report, alpha, 1, 1, "en")  # it lists the scale's levels
    split, _, question = (json.dumps(b) for b in thread.blocks[:3])
    assert "answers differ" in split and "Medium" not in split
    assert "Who owns alpha?" in question  # the area's own prompt; without one, a plain question


def test_more_than_three_areas_whose_agreement_is_not_checked_are_counted_not_named(
    catalog: Catalog,
) -> None:
    """Four people on a 12-area framework: too few to judge agreement anywhere
    (`unanimity_floor`); one line counts the areas instead of naming twelve."""
    framework = catalog.get("cx-maturity")
    answers = {
        f"p{i}": {a.id: AreaAnswer(1 + (i + j) % 2, 4) for j, a in enumerate(framework.areas)}
        for i in range(4)
    }
    report = analyse(framework, answers, invited=4)
    assert sum(r.unjudged for r in report.areas) == 12
    said = "\n".join(texts(to_dicts(summary_blocks(report, "en"))))
    assert (
        "Agreement is not checked in 12 areas: with so few answers that would give answers away,"
        " so the level shown may hide different views." in said
    )
