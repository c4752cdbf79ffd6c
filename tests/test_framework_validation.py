"""Validation guarantees a working round: what `frameworks validate` accepts, analysis can use."""

from __future__ import annotations

import copy
import csv
import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.analysis import analyse
from bot.csv_answers import COLUMNS, AnswersFileError, parse_answers
from bot.frameworks import FrameworkError, load_framework, parse_framework
from bot.render.blocks.summary import summary_blocks
from bot.render.report import render_json, render_markdown
from tests.samples import MINI_YAML


def _problems(path: Path) -> list[str]:
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN", "1.0e+400"])
def test_weight_that_is_not_a_finite_number_is_refused(write_framework, value: str) -> None:
    path = write_framework(MINI_YAML.replace("weight: 2", f"weight: {value}"))
    [problem] = _problems(path)
    assert problem.startswith(f"{path}: areas[1].weight: expected a finite number, got ")


@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_consensus_threshold_that_is_not_a_finite_number_is_refused(
    write_framework, value: str
) -> None:
    text = MINI_YAML.replace("ask_target: true", f"ask_target: true\nconsensus_threshold: {value}")
    [problem] = _problems(write_framework(text))
    assert ": consensus_threshold: expected a finite number, got " in problem


def test_weight_and_level_values_too_large_for_the_statistics_are_refused(write_framework) -> None:
    text = MINI_YAML.replace("weight: 2", "weight: 1.0e+300").replace("value: 3", "value: 10000")
    problems = _problems(write_framework(text))
    assert any(
        "scale.levels[2].value: expected a whole number from -1000 to 1000" in p for p in problems
    )
    assert any(
        "areas[1].weight: expected a number greater than 0.0 and at most 1000.0, got 1e+300" in p
        for p in problems
    )


@pytest.mark.parametrize("key", ["skip", "back", "zuruck", "saltar", "not-sure", "no", "level-2"])
def test_level_key_read_as_a_navigation_word_is_refused(write_framework, key: str) -> None:
    path = write_framework(MINI_YAML.replace("key: medium", f"key: '{key}'"))
    assert _problems(path) == [
        f"{path}: scale.levels[1].key: '{key}' cannot be a level key: "
        "it reads as a command or a number"
    ]


@pytest.mark.parametrize("key", ["1", "3", "7"])
def test_level_key_that_is_a_number_is_refused(write_framework, key: str) -> None:
    path = write_framework(MINI_YAML.replace("key: medium", f"key: '{key}'"))
    [problem] = _problems(path)
    assert problem.startswith(f"{path}: scale.levels[1].key: '{key}' cannot be a level key")


@pytest.mark.parametrize(
    "word",
    [
        "skip",
        "Saltar",
        "atrás",
        "no sé",
        "Weiß nicht",
        "pause",
        "not sure",
        "3",
        "tres",
        "2 4",
        "1 2 3",
        "heute 2 Ziel 4",
    ],
)
def test_a_synonym_read_as_a_command_or_number_is_refused(write_framework, word: str) -> None:
    """A typed synonym that the parser reads as a command or number would never name the level."""
    text = MINI_YAML.replace(
        "key: medium", f"key: medium\n      synonyms: {{es: [regular, '{word}']}}"
    )
    path = write_framework(text)
    assert _problems(path) == [
        f"{path}: scale.levels[1].synonyms.es: '{word}' cannot be a synonym: a typed '{word}'"
        " reads as a command or as numbers, so it would never name this level"
    ]


def test_a_level_key_that_reads_as_skip_would_count_skips_as_a_level(write_framework) -> None:
    """Why the rule exists: the CSV's `skip` (and a typed `skip`) would mean that level."""
    data = yaml.safe_load(MINI_YAML)
    data["scale"]["levels"][1]["key"] = "skip"
    with pytest.raises(FrameworkError, match=r"scale\.levels\[1\]\.key"):
        parse_framework(data)


def test_id_with_a_trailing_newline_is_refused(write_framework) -> None:
    path = write_framework(MINI_YAML.replace("  - id: beta", '  - id: "beta\\n"'))
    [problem] = _problems(path)
    assert problem == (
        f"{path}: areas[1].id: expected an id of lowercase letters, digits and dashes, "
        "got 'beta\\n'"
    )


def test_a_text_slack_would_read_as_a_mention_or_link_is_refused(write_framework) -> None:
    # Framework names reach channel messages: "<!channel>" would notify everyone in it.
    path = write_framework(MINI_YAML.replace("name: {en: Alpha,", "name: {en: 'Alpha <!channel>',"))
    [problem] = _problems(path)
    assert problem.startswith(f"{path}: areas[0].name.en: '<' and '>' are not allowed: Slack")


def test_list_as_a_key_is_reported_with_its_path(write_framework) -> None:
    text = MINI_YAML.replace("ask_importance: false", "? [a, b]\n: 1\nask_importance: false")
    text = text.replace("name: {en: Alpha,", "name: {? [x]: y, en: Alpha,")
    problems = _problems(write_framework(text))
    assert any(p.endswith(": <a list>: expected a text as key, got a list") for p in problems)
    assert any(
        p.endswith(": areas[0].name.<a list>: expected a language as key, got a list")
        for p in problems
    )


def test_number_or_mapping_as_a_key_is_reported_with_its_path(write_framework) -> None:
    text = MINI_YAML.replace("version: 1", "version: 1\n1: x\n? {a: 1}\n: y")
    problems = _problems(write_framework(text))
    assert any(p.endswith(": 1: expected a text as key, got 1") for p in problems)
    assert any(p.endswith(": <a mapping>: expected a text as key, got a mapping") for p in problems)


def test_level_description_keyed_by_a_non_ascii_digit_is_refused(write_framework) -> None:
    path = write_framework(MINI_YAML.replace("      3: {en: Beta", "      '²': {en: Beta"))
    problems = _problems(path)
    assert (
        f"{path}: areas[1].levels.²: expected a level value (a whole number), got '²'" in problems
    )


# --------------------------------------------------------------------------- the guarantee

_KEYS = ["low", "medium", "high", "top", "base", "x-1", "a1"]
_ODD_KEYS = ["skip", "back", "2", "nein", "weiter", "stufe-1", "not-sure", "1000"]
_ODD_VALUES = [-1001, -1000, 1000, 1001, 10**20]
_ODD = [float("nan"), float("inf"), -float("inf"), 0, 1e-300, 1000, 1000.5, 1e308, 10**30]


def _mostly(draw: st.DrawFn, usual: st.SearchStrategy[Any], odd: list[Any]) -> Any:
    """Usually a draw from ``usual``; one time in five, one of the ``odd`` values."""
    return draw(st.sampled_from(odd)) if draw(st.integers(0, 4)) == 4 else draw(usual)


@st.composite
def frameworks(draw: st.DrawFn) -> dict[str, Any]:
    """Framework data near the valid: now and then an odd key, value, weight or threshold."""
    data = copy.deepcopy(yaml.safe_load(MINI_YAML))
    count = draw(st.integers(2, 5))
    values = sorted(draw(st.sets(st.integers(0, 6), min_size=count, max_size=count)))
    values[-1] = _mostly(draw, st.just(values[-1]), _ODD_VALUES)
    if draw(st.integers(0, 9)) == 9:
        values.reverse()
    keys = draw(st.lists(st.sampled_from(_KEYS), min_size=count, max_size=count, unique=True))
    keys[0] = _mostly(draw, st.just(keys[0]), _ODD_KEYS)
    template = data["scale"]["levels"][0]
    data["scale"]["levels"] = [
        {**template, "value": value, "key": key} for value, key in zip(values, keys, strict=True)
    ]
    text = data["areas"][0]["levels"][1]
    areas = []
    for i in range(draw(st.integers(1, 3))):
        area = {**data["areas"][0], "id": f"a{i}", "levels": dict.fromkeys(values, text)}
        weight = _mostly(draw, st.none() | st.floats(0.001, 1000), _ODD)
        if weight is not None:
            area["weight"] = weight
        areas.append(area)
    data["areas"] = areas
    threshold = _mostly(draw, st.none() | st.floats(0.001, 1), _ODD)
    if threshold is not None:
        data["consensus_threshold"] = threshold
    data["ask_target"] = draw(st.booleans())
    data["ask_importance"] = draw(st.booleans())
    return data


_CELLS = ["", "?", "skip", "back", "0", "1", "2", "3", "5", "1000", "low", "medium", "high"]
_ROWS = st.lists(
    st.tuples(
        st.sampled_from(["p1", "p2", "p3", "p4"]),
        st.sampled_from(["a0", "a1", "a2"]),
        st.sampled_from(_CELLS),
        st.sampled_from(_CELLS),
        st.sampled_from(["", "1", "3", "low", "high", "?", "skip"]),
        st.sampled_from(["", "ok", "=1+1", "[x](http://e)"]),
    ),
    unique_by=lambda row: row[:2],
    max_size=12,
)


def _mini(**changes: Any) -> dict[str, Any]:
    """MINI_YAML with its areas named a0 and a1, and ``changes`` made to its second area."""
    data = yaml.safe_load(MINI_YAML)
    data["areas"][0]["id"], data["areas"][1]["id"] = "a0", "a1"
    data["areas"][1].update(changes)
    return data


_EVERYONE = [(p, a, "2", "3", "", "") for p in ("p1", "p2", "p3") for a in ("a0", "a1")]


@settings(max_examples=100, deadline=None)
@given(frameworks(), _ROWS, st.integers(1, 4), st.integers(0, 2))
@example(_mini(weight=float("nan")), _EVERYONE, 1, 0)
@example(_mini(weight=float("inf")), _EVERYONE, 3, 0)
@example({**_mini(), "consensus_threshold": float("nan")}, _EVERYONE, 1, 0)
@example(
    {
        **_mini(weight=1e308),
        "areas": [_mini(weight=1e308)["areas"][1] | {"id": f"a{i}"} for i in range(2)],
    },
    _EVERYONE,
    1,
    0,
)
def test_any_accepted_framework_analyses_any_accepted_csv(
    data: dict[str, Any], rows: list[tuple[str, ...]], min_responses: int, more_invited: int
) -> None:
    try:
        framework = parse_framework(data, "fuzz.yaml")
    except FrameworkError:
        return
    buffer = io.StringIO()
    csv.writer(buffer).writerows([COLUMNS, *rows])
    try:
        answers = parse_answers(buffer.getvalue(), framework)
    except AnswersFileError:
        return
    invited = len(answers) + more_invited
    report = analyse(framework, answers, invited=invited, min_responses=min_responses)
    render_json(report, "en")
    render_markdown(report, "de")
    summary_blocks(report, "es")
