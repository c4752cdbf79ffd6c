"""No sentence in any output (channel, Markdown report, terminal, chart title) puts an area at a
level nobody chose for it: a split area is named as split, never given its median. (Among too
few answers to judge agreement, `unanimity_floor`, the median shows alone, placed or not: a split
there would give everyone's answers away; these cases have enough.)"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

import pytest

from bot.analysis import Report
from bot.frameworks import Catalog, Framework
from bot.i18n import t
from bot.render.report import render_markdown, render_text
from bot.render.wording import levels_legend, stage_headline, stage_reason
from tests.render.test_summary_cases import channel, round_of
from tests.test_analysis import make_framework

# A level as the outputs write it: "2 · Development", "between 2 and 3", "2 → 3", "from 1 to 3",
# "3 say 1", and the short table forms.
_LEVEL = re.compile(
    r"(?P<long>\d) · "
    r"|between (?P<low>\d) and (?P<high>\d)"
    r"|(?P<arrow_from>\d) →|→ (?P<arrow_to>\d)"
    r"|from (?P<from>\d) to (?P<to>\d)"
    r"|says? (?P<said>\d)"
)

CASES: dict[str, tuple[str, Mapping[str, Sequence[int]], int | None]] = {
    # name: (framework, answers per area ("*" for every other area), target for everyone)
    "bimodal, four people": (
        "cx-maturity",
        {"*": (2, 2, 2, 2), "routing-queueing": (1, 1, 3, 3)},
        3,
    ),
    "bimodal, six people": (
        "cx-maturity",
        {"*": (2,) * 6, "routing-queueing": (1, 1, 1, 3, 3, 3)},
        3,
    ),
    "11 of 12 at 3": ("cx-maturity", {"*": (3, 3, 3), "knowledge-management": (2, 2, 2)}, 4),
    "ties": ("cx-maturity", {"*": (3, 3, 3), "cx-philosophy": (2, 2, 2), "security": (2, 2, 2)}, 4),
    "five areas, all split": (
        "cx-pillars",
        {"*": (1, 1, 1, 3, 3, 3), "design": (1, 1, 2, 3, 3, 3)},
        3,
    ),
    "five areas, all gaps": ("cx-pillars", {"*": (2, 2, 2)}, 3),
    "half levels both chosen": ("cx-maturity", {"*": (2, 2, 3, 3), "security": (1, 2, 2, 2)}, 4),
    "wide scale, lenient consensus": ("seven", {"*": (3, 3, 5, 5)}, 7),
}


def _framework(catalog: Catalog, name: str) -> Framework:
    return make_framework(("a", "b"), levels=7) if name == "seven" else catalog.get(name)


def _answers(fw: Framework, given: Mapping[str, Sequence[int]]) -> dict[str, Sequence[int]]:
    return {a.id: given.get(a.id, given["*"]) for a in fw.areas}


def _outputs(report: Report) -> Iterator[str]:
    for lang in ("en",):
        yield from channel(report, lang)
        yield render_markdown(report, lang)
        yield render_text(report, lang)
        yield stage_headline(report, lang) + "\n" + stage_reason(report, lang)  # the chart's


def _levels_said(line: str) -> Iterator[int]:
    for match in _LEVEL.finditer(line):
        for value in match.groupdict().values():
            if value is not None:
                yield int(value)


@pytest.mark.parametrize("case", CASES)
def test_no_sentence_puts_an_area_at_a_level_nobody_chose(catalog: Catalog, case: str) -> None:
    name, given, target = CASES[case]
    fw = _framework(catalog, name)
    levels = _answers(fw, given)
    report = round_of(fw, levels, target)
    legend = t("en", "summary_levels", levels=levels_legend(fw.scale, "en"))  # names every level
    lines = [line.replace(legend, "") for text in _outputs(report) for line in text.splitlines()]
    checked = 0
    for area in fw.areas:
        chosen = set(levels[area.id]) | {target or fw.scale.top}
        own = [line for line in lines if area.name.en in line]
        for line in own:
            others = [a.name.en for a in fw.areas if a is not area and a.name.en in line]
            if others:  # a list of areas ("A and B hold it back"): no level per area in it
                continue
            said = set(_levels_said(line))
            assert said <= chosen, f"{case}: {area.name.en} at {said - chosen} in {line!r}"
            checked += bool(said)
    assert checked  # the pattern does find levels in these outputs


def test_the_pattern_catches_the_old_sentences() -> None:
    old = "• *Routing and queueing*  2 · Development → 3 · Maturation"  # median of 1, 1, 3, 3
    assert set(_levels_said(old)) - {1, 3} == {2}
