"""The framework loader: bundled files load, and every kind of broken file is reported precisely."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.frameworks import (
    BUNDLED_DIR,
    LANGUAGES,
    FrameworkError,
    UnknownFramework,
    load_catalog,
    load_framework,
    parse_framework,
    read_yaml,
)
from tests.samples import MINI_YAML

BUNDLED = sorted(BUNDLED_DIR.glob("*.yaml"))


def _problems(path: Path) -> list[str]:
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    return [str(p) for p in info.value.problems]


def _broken(write_framework, old: str, new: str) -> list[str]:
    assert old in MINI_YAML, old
    return _problems(write_framework(MINI_YAML.replace(old, new, 1)))


def test_minimal_framework_loads_into_typed_objects(write_framework) -> None:
    fw = load_framework(write_framework())
    assert fw.id == "mini" and fw.version == 1
    assert fw.scale.values == (1, 2, 3) and fw.scale.top == 3 and fw.scale.bottom == 1
    assert [a.id for a in fw.areas] == ["alpha", "beta"]
    assert fw.area("beta").weight == 2.0 and fw.area("alpha").weight == 1.0
    assert fw.area("alpha").levels[2].get("de") == "Teilweise Alpha."
    assert fw.area("alpha").prompts[0].get("es") == "¿Quién es dueño de alfa?"
    assert fw.scale.next_value(1.5) == 2 and fw.scale.next_value(3) is None


def test_missing_translation_falls_back_to_english(write_framework) -> None:
    fw = load_framework(write_framework(MINI_YAML.replace(", de: Mini}", "}", 1)))
    assert fw.name.get("de") == "Mini" and fw.name.de is None
    assert fw.name.get("fr") == "Mini"


def test_unknown_key_names_file_path_and_allowed_keys(write_framework) -> None:
    path = write_framework(MINI_YAML.replace("    weight: 2\n", "    weight: 2\n    colour: red\n"))
    problems = _problems(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: areas[1].colour: unknown key 'colour'")
    assert "allowed here:" in problems[0] and "weight" in problems[0]


def test_duplicate_area_id_is_reported_with_both_positions(write_framework) -> None:
    path = write_framework(MINI_YAML.replace("  - id: beta", "  - id: alpha"))
    assert _problems(path) == [f"{path}: areas[1].id: duplicate area id 'alpha' (also areas[0])"]


def test_missing_english_text_is_an_error(write_framework) -> None:
    problems = _broken(
        write_framework,
        'question: {en: "How is beta?", es:',
        "question: {es:",
    )
    assert any("areas[1].question.en: the English text (en) is required" in p for p in problems)


def test_level_description_for_a_level_the_scale_lacks(write_framework) -> None:
    problems = _broken(
        write_framework,
        "      3: {en: Beta is complete.",
        "      4: {en: Beta is complete.",
    )
    assert any(
        "areas[1].levels.4: the scale has no level 4 (its levels are 1, 2, 3)" in p
        for p in problems
    )
    assert any("areas[1].levels.3: describe what this level looks like" in p for p in problems)


def test_wrong_types_are_reported_by_path(write_framework) -> None:
    text = MINI_YAML.replace("version: 1", "version: one").replace(
        "ask_target: true", "ask_target: 3"
    )
    text = text.replace(
        "2: {en: Alpha is partial., es: Alfa parcial.,", "2: {en: Alpha is partial., es: 42,"
    )
    problems = _problems(write_framework(text))
    assert any(p.endswith("version: expected a whole number, got 'one'") for p in problems)
    assert any(p.endswith("ask_target: expected true or false, got 3") for p in problems)
    assert any(
        p.endswith("areas[0].levels.2.es: expected a non-empty text, got a number")
        for p in problems
    )


def test_negative_weight_and_unknown_language(write_framework) -> None:
    text = MINI_YAML.replace("weight: 2", "weight: -1").replace(
        "name: {en: Alpha,", "name: {fr: Alpha, en: Alpha,"
    )
    problems = _problems(write_framework(text))
    assert any(
        "areas[1].weight: expected a number greater than 0.0 and at most 1000.0, got -1" in p
        for p in problems
    )
    assert any("areas[0].name.fr: unknown language 'fr'" in p for p in problems)


def test_yaml_syntax_error_names_line_and_column(write_framework) -> None:
    path = write_framework(MINI_YAML.replace("version: 1", "version: [1"))
    problems = _problems(path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}: YAML syntax error at line ")
    assert "column" in problems[0]


def test_duplicate_yaml_key_is_refused(write_framework) -> None:
    problems = _problems(write_framework(MINI_YAML.replace("version: 1", "version: 1\nversion: 2")))
    assert "duplicate key 'version'" in problems[0] and "line 3, column 1" in problems[0]


def test_a_merge_key_is_read_and_a_key_beside_it_overrides_it() -> None:
    data = read_yaml("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n", "merge.yaml")
    assert data == {"base": {"x": 1, "y": 2}, "other": {"x": 1, "y": 3}}


def test_id_must_match_file_name(write_framework) -> None:
    problems = _problems(write_framework(name="other"))
    assert problems == [
        f"{write_framework(name='other')}: id: id 'mini' must match the file name 'other'"
    ]


def test_not_a_mapping_at_top_level(write_framework) -> None:
    problems = _problems(write_framework("- just\n- a list\n"))
    assert problems[0].endswith("expected a mapping of keys to values, got a list")


def test_every_problem_is_listed_at_once(write_framework) -> None:
    text = MINI_YAML.replace("version: 1", "version: x").replace("  - id: beta", "  - id: Beta!")
    problems = _problems(write_framework(text))
    assert len(problems) == 2


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_framework_round_trips_and_is_complete_in_every_language(path: Path) -> None:
    fw = load_framework(path)
    assert parse_framework(fw.to_dict(), "snapshot") == fw
    texts = [fw.name, fw.description]
    for level in fw.scale.levels:
        texts += [level.label, level.summary]
    for area in fw.areas:
        texts += [area.name, area.question, *area.levels.values(), *area.prompts]
        assert set(area.levels) == set(fw.scale.values)
    for text in texts:
        for lang in LANGUAGES:
            assert getattr(text, lang), f"{path.name}: missing {lang} in {text.en[:40]!r}"


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_bundled_framework_has_a_brief_per_level_and_actions_for_every_step(path: Path) -> None:
    fw = load_framework(path)
    steps = fw.scale.values[1:]
    missing = [
        *(
            f"areas[{i}].briefs.{v}"
            for i, a in enumerate(fw.areas)
            for v in fw.scale.values
            if v not in a.briefs
        ),
        *(
            f"areas[{i}].actions.{v}"
            for i, a in enumerate(fw.areas)
            for v in steps
            if v not in a.actions
        ),
    ]
    assert not missing, f"{path.name} lacks guidance at: {', '.join(missing)}"


def test_bundled_catalog_holds_the_expected_frameworks() -> None:
    catalog = load_catalog()
    assert {"cx-maturity", "cx-pillars", "cx-strategy"} <= set(catalog.frameworks)
    maturity = catalog.get("cx-maturity")
    assert len(maturity.areas) == 12 and len(maturity.scale.levels) == 4
    assert len(catalog.get("cx-pillars").areas) == 5
    assert len(catalog.get("cx-strategy").areas) == 7


def test_extra_directory_adds_frameworks_and_unknown_id_lists_valid_ones(write_framework) -> None:
    extra = write_framework().parent
    catalog = load_catalog(extra)
    assert catalog.get("mini").name.en == "Mini"
    with pytest.raises(UnknownFramework) as info:
        catalog.get("nope")
    assert "available:" in str(info.value) and "mini" in str(info.value)


def test_framework_defined_twice_is_an_error(tmp_path: Path) -> None:
    bundled = BUNDLED[0]
    (tmp_path / bundled.name).write_text(bundled.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        load_catalog(tmp_path)
    assert "is already defined in" in str(info.value)


def test_snapshot_with_string_level_keys_parses() -> None:
    data = yaml.safe_load(MINI_YAML)
    data["areas"][0]["levels"] = {str(k): v for k, v in data["areas"][0]["levels"].items()}
    fw = parse_framework(data)
    assert fw.area("alpha").levels[3].en == "Alpha is complete."


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        json_values,
        st.builds(
            lambda d: {**yaml.safe_load(MINI_YAML), **d},
            st.dictionaries(
                st.sampled_from(["id", "version", "scale", "areas", "name", "ask_target"]),
                json_values,
                max_size=3,
            ),
        ),
    )
)
def test_any_data_gives_a_framework_or_a_clear_error(data: object) -> None:
    try:
        parse_framework(data, "fuzz.yaml")
    except FrameworkError as exc:
        assert exc.problems and all(p.source == "fuzz.yaml" for p in exc.problems)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_yaml_text_gives_data_or_a_clear_error(text: str) -> None:
    try:
        read_yaml(text, "fuzz.yaml")
    except FrameworkError as exc:
        assert str(exc).startswith("fuzz.yaml: ")


def test_too_many_areas_or_levels_for_slack_are_refused(write_framework) -> None:
    data = yaml.safe_load(MINI_YAML)
    data["areas"] = [{**data["areas"][0], "id": f"a{i}"} for i in range(41)]
    with pytest.raises(FrameworkError) as info:
        parse_framework(data, "big.yaml")
    assert str(info.value) == "big.yaml: areas: 41 areas: at most 40 fit in one review message"
    data = yaml.safe_load(MINI_YAML)
    level = data["scale"]["levels"][0]
    data["scale"]["levels"] = [{**level, "value": i, "key": f"l{i}"} for i in range(1, 12)]
    with pytest.raises(FrameworkError) as info:
        parse_framework(data, "wide.yaml")
    assert "scale.levels: 11 levels: at most 10 fit on one question" in str(info.value)


def test_a_misnamed_file_is_reported_with_its_other_problems(write_framework) -> None:
    path = write_framework(MINI_YAML.replace("version: 1", "version: x"), name="other")
    problems = _problems(path)
    assert problems[0].endswith("id: id 'mini' must match the file name 'other'")
    assert problems[1].endswith("version: expected a whole number, got 'x'")


GUIDED = MINI_YAML.replace(
    "      summary: {en: Some things in place., es: Algo., de: Einiges.}\n",
    "      summary: {en: Some things in place., es: Algo., de: Einiges.}\n"
    "      synonyms: {es: [regular, mejorable], de: [teilweise, eher mittel]}\n",
).replace(
    "    prompts:\n",
    "    briefs:\n"
    "      1: {en: None yet., es: Nada aún., de: Noch nichts.}\n"
    "      2: {en: Some alpha., es: Algo de alfa., de: Etwas Alpha.}\n"
    "      3: {en: All alpha., es: Todo alfa., de: Ganz Alpha.}\n"
    "    actions:\n"
    "      2: [{en: Name an owner.}, {en: Write it down.}]\n"
    "      3: [{en: Automate it., es: Automatizarlo.}, {en: Measure it.}, {en: Review it.}]\n"
    "    prompts:\n",
)


def test_synonyms_briefs_and_actions_load_and_round_trip(write_framework) -> None:
    fw = load_framework(write_framework(GUIDED))
    medium = fw.scale.level(2)
    assert medium.synonyms == {"es": ("regular", "mejorable"), "de": ("teilweise", "eher mittel")}
    assert "mejorable" in medium.names() and "medium" in medium.names()
    alpha = fw.area("alpha")
    assert alpha.brief(2).get("es") == "Algo de alfa."
    assert [t.get("es") for t in alpha.actions[3]] == [
        "Automatizarlo.",
        "Measure it.",
        "Review it.",
    ]
    assert fw.area("beta").brief(2).get("en") == "Beta is partial."  # falls back to the full text
    assert parse_framework(fw.to_dict()) == fw


def test_a_synonym_naming_two_levels_is_refused(write_framework) -> None:
    problems = _problems(write_framework(GUIDED.replace("[regular, mejorable]", "[regular, alto]")))
    assert any(
        "scale.levels[2].synonyms: 'alto' also names level 2" in p
        or "scale.levels[1].synonyms" in p
        for p in problems
    ), problems


def test_actions_per_step_are_counted_and_keyed_by_a_level_above_the_bottom(
    write_framework,
) -> None:
    one = _problems(
        write_framework(
            GUIDED.replace("[{en: Name an owner.}, {en: Write it down.}]", "[{en: Only one.}]")
        )
    )
    assert any(
        "areas[0].actions.2: expected a list of 2 to 4 actions, got 1 item(s)" in p for p in one
    )
    bottom = _problems(
        write_framework(GUIDED.replace("      2: [{en: Name", "      1: [{en: Name"))
    )
    assert any("areas[0].actions.1: level 1 is the bottom of the scale" in p for p in bottom)


def test_a_brief_longer_than_one_line_is_refused(write_framework) -> None:
    problems = _problems(write_framework(GUIDED.replace("Some alpha.", "x" * 130)))
    assert any("areas[0].briefs.2.en: 130 characters" in p for p in problems)


def test_guidance_required_names_every_missing_brief_and_step(write_framework) -> None:
    path = write_framework(GUIDED)
    load_framework(path)  # optional for a framework of one's own
    with pytest.raises(FrameworkError) as info:
        load_framework(path, guidance_required=True)
    problems = [str(p) for p in info.value.problems]
    assert problems == [
        f"{path}: areas[1].briefs.1: a bundled framework needs this brief",
        f"{path}: areas[1].briefs.2: a bundled framework needs this brief",
        f"{path}: areas[1].actions.2: a bundled framework needs the actions for this step",
        f"{path}: areas[1].briefs.3: a bundled framework needs this brief",
        f"{path}: areas[1].actions.3: a bundled framework needs the actions for this step",
    ]
