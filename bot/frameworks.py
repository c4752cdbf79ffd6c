"""Assessment frameworks: typed, immutable objects loaded from validated YAML files.

A framework is a scale of ordered levels and a list of areas; every area says what each level
looks like in it. Texts are localized mappings (``{en: ..., es: ..., de: ...}``) with English as
the required fallback. Loading is pure apart from reading the file; every problem is reported
with the file, the path inside it (``areas[3].levels.4.es``) and what is wrong.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.files import FileTooLarge, read_bounded
from bot.resources import bundled

LANGUAGES = ("en", "es", "de")
DEFAULT_LANGUAGE = "en"
BUNDLED_DIR = bundled("frameworks")
MAX_FILE_BYTES = 1_000_000
MAX_AREAS = 40  # the review lists every area in one Slack message (50 blocks at most)
MAX_LEVELS = 10  # one button per level plus three, in one actions block (25 at most)
MAX_LEVEL_VALUE = 1000  # level values lie in ±this, so every statistic stays a finite float
MAX_WEIGHT = 1000.0
MAX_BRIEF_CHARS = 120  # one line on a phone
ACTIONS_PER_STEP = (2, 4)
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Text:
    """A localized text; ``en`` is always present and is the fallback."""

    en: str
    es: str | None = None
    de: str | None = None

    def get(self, lang: str) -> str:
        """The text in ``lang``, or in English when that translation is missing."""
        value: str | None = getattr(self, lang, None) if lang in LANGUAGES else None
        return value or self.en

    def to_dict(self) -> dict[str, str]:
        return {lang: text for lang in LANGUAGES if (text := getattr(self, lang))}

    def variants(self) -> tuple[str, ...]:
        """Every translation present (used to recognise typed answers in any language)."""
        return tuple(self.to_dict().values())


@dataclass(frozen=True)
class Level:
    """One step of a framework's scale."""

    value: int
    key: str
    label: Text
    summary: Text
    synonyms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Other words people type for this level, by language (``{"es": ("regular",)}``)."""

    def names(self) -> tuple[str, ...]:
        """Every way to name this level: its key, its labels and its synonyms in any language."""
        return (
            self.key,
            *self.label.variants(),
            *(word for words in self.synonyms.values() for word in words),
        )


@dataclass(frozen=True)
class Scale:
    """The ordered levels (low to high) every area is rated on."""

    levels: tuple[Level, ...]

    @property
    def bottom(self) -> int:
        return self.levels[0].value

    @property
    def top(self) -> int:
        return self.levels[-1].value

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(level.value for level in self.levels)

    def level(self, value: int) -> Level:
        """The level with ``value``; ``KeyError`` when the scale has none."""
        for level in self.levels:
            if level.value == value:
                return level
        raise KeyError(value)

    def next_value(self, value: float) -> int | None:
        """The first level strictly above ``value``, or None at the top."""
        return next((v for v in self.values if v > value), None)


@dataclass(frozen=True)
class Area:
    """One thing the framework rates, with what each level looks like in it."""

    id: str
    name: Text
    question: Text
    levels: Mapping[int, Text]
    prompts: tuple[Text, ...] = ()
    weight: float = 1.0
    briefs: Mapping[int, Text] = field(default_factory=dict)
    """One line per level, shown on the question card (the full ``levels`` text is on demand)."""
    actions: Mapping[int, tuple[Text, ...]] = field(default_factory=dict)
    """Concrete actions per step, keyed by the level the step reaches (``3``: from 2 to 3)."""

    def brief(self, value: int) -> Text:
        """The one-line description of ``value`` in this area (the full one when none is given)."""
        return self.briefs.get(value) or self.levels[value]


@dataclass(frozen=True)
class Framework:
    """A complete assessment framework."""

    id: str
    version: int
    name: Text
    description: Text
    scale: Scale
    areas: tuple[Area, ...]
    ask_target: bool = True
    ask_importance: bool = False
    consensus_threshold: float | None = None
    source: str = field(default="", compare=False)

    def area(self, area_id: str) -> Area:
        """The area with ``area_id``; ``KeyError`` when there is none."""
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)

    def to_dict(self) -> dict[str, Any]:
        """The framework with the YAML's field names (a snapshot that `parse_framework` reads)."""
        data: dict[str, Any] = {
            "id": self.id,
            "version": self.version,
            "name": self.name.to_dict(),
            "description": self.description.to_dict(),
            "ask_target": self.ask_target,
            "ask_importance": self.ask_importance,
            "scale": {
                "levels": [
                    {
                        "value": lv.value,
                        "key": lv.key,
                        "label": lv.label.to_dict(),
                        "summary": lv.summary.to_dict(),
                        **(
                            {"synonyms": {k: list(v) for k, v in lv.synonyms.items()}}
                            if lv.synonyms
                            else {}
                        ),
                    }
                    for lv in self.scale.levels
                ]
            },
            "areas": [
                {
                    "id": a.id,
                    "name": a.name.to_dict(),
                    "question": a.question.to_dict(),
                    "levels": {str(v): t.to_dict() for v, t in a.levels.items()},
                    **({"prompts": [p.to_dict() for p in a.prompts]} if a.prompts else {}),
                    **(
                        {"briefs": {str(v): t.to_dict() for v, t in a.briefs.items()}}
                        if a.briefs
                        else {}
                    ),
                    **(
                        {
                            "actions": {
                                str(v): [t.to_dict() for t in texts]
                                for v, texts in a.actions.items()
                            }
                        }
                        if a.actions
                        else {}
                    ),
                    "weight": a.weight,
                }
                for a in self.areas
            ],
        }
        if self.consensus_threshold is not None:
            data["consensus_threshold"] = self.consensus_threshold
        return data


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a framework file."""

    source: str
    path: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.source}: {self.path}: {self.message}"
            if self.path
            else f"{self.source}: {self.message}"
        )


class FrameworkError(Exception):
    """A framework file (or several) could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------- validation


class _Checker:
    """Walks raw YAML data, collecting problems with their paths instead of stopping at one."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.source, path, message))

    def mapping(
        self, data: object, path: str, required: set[str], optional: set[str]
    ) -> dict[str, Any] | None:
        if not isinstance(data, dict):
            self.fail(path, f"expected a mapping of keys to values, got {_kind(data)}")
            return None
        for key in data:
            if not isinstance(key, str):
                self.fail(_join(path, str(key)), f"expected a text as key, got {_show(key)}")
            elif key not in required | optional:
                allowed = ", ".join(sorted(required | optional))
                self.fail(_join(path, str(key)), f"unknown key '{key}' (allowed here: {allowed})")
        for key in sorted(required - data.keys()):
            self.fail(_join(path, key), "this key is required but missing")
        return data

    def text(self, data: object, path: str) -> Text | None:
        if not isinstance(data, dict):
            self.fail(
                path,
                f"expected localized text like {{en: ..., es: ..., de: ...}}, got {_kind(data)}",
            )
            return None
        ok = True
        for lang, value in data.items():
            if not isinstance(lang, str):
                self.fail(_join(path, str(lang)), f"expected a language as key, got {_show(lang)}")
                ok = False
            elif lang not in LANGUAGES:
                self.fail(
                    _join(path, str(lang)),
                    f"unknown language '{lang}' (use {', '.join(LANGUAGES)})",
                )
                ok = False
            elif not isinstance(value, str) or not value.strip():
                self.fail(_join(path, lang), f"expected a non-empty text, got {_kind(value)}")
                ok = False
            elif "<" in value or ">" in value:
                self.fail(
                    _join(path, lang),
                    "'<' and '>' are not allowed: Slack reads <...> as a mention, an @channel or"
                    " a link (write 'less than' or 'more than')",
                )
                ok = False
        if "en" not in data:
            self.fail(_join(path, "en"), "the English text (en) is required: it is the fallback")
            ok = False
        return Text(**{k: v.strip() for k, v in data.items()}) if ok else None

    def slug(self, data: object, path: str) -> str | None:
        if not isinstance(data, str) or not _SLUG.fullmatch(data):
            self.fail(
                path, f"expected an id of lowercase letters, digits and dashes, got {_show(data)}"
            )
            return None
        return data

    def level_key(self, data: object, path: str) -> str | None:
        """A level's key: a slug that a typed answer or a CSV cell cannot read as anything else
        (a command in any language, or a number)."""
        key = self.slug(data, path)
        if key is not None and reserved_word(key):
            self.fail(path, f"'{key}' cannot be a level key: it reads as a command or a number")
            return None
        return key

    def integer(self, data: object, path: str, bound: int | None = None) -> int | None:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail(path, f"expected a whole number, got {_show(data)}")
            return None
        if bound is not None and abs(data) > bound:
            self.fail(path, f"expected a whole number from {-bound} to {bound}, got {data}")
            return None
        return data

    def boolean(self, data: object, path: str, default: bool) -> bool:
        if data is None:
            return default
        if not isinstance(data, bool):
            self.fail(path, f"expected true or false, got {_show(data)}")
            return default
        return data

    def number(self, data: object, path: str, low: float, high: float | None) -> float | None:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail(path, f"expected a number, got {_show(data)}")
            return None
        if isinstance(data, float) and not math.isfinite(data):
            self.fail(path, f"expected a finite number, got {data}")
            return None
        if data < low or (high is not None and data > high) or (low == 0 and data == 0):
            bound = f"greater than {low}" if low == 0 else f"at least {low}"
            bound += f" and at most {high}" if high is not None else ""
            self.fail(path, f"expected a number {bound}, got {data}")
            return None
        return float(data)


def _level_value(key: object) -> object:
    """An area's level key as a level value: an int, or ASCII digits as in a JSON snapshot."""
    return int(key) if isinstance(key, str) and _DIGITS.fullmatch(key) else key


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: object) -> str:
    names = {
        dict: "a mapping",
        list: "a list",
        str: "a text",
        bool: "true/false",
        type(None): "nothing",
    }
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, int | float) else type(value).__name__


def _show(value: object) -> str:
    if isinstance(value, _UnhashableKey):
        return value.kind
    return repr(value) if isinstance(value, str | int | float) else _kind(value)


def parse_framework(
    data: object, source: str = "<framework>", *, guidance_required: bool = False
) -> Framework:
    """Validate raw data (as read from YAML or a JSON snapshot) into a `Framework`.

    With ``guidance_required`` (the bundled frameworks) every area must give a brief per level
    and actions for every step up the scale.
    """
    check = _Checker(source)
    top = check.mapping(
        data,
        "",
        {"id", "version", "name", "description", "scale", "areas"},
        {"ask_target", "ask_importance", "consensus_threshold"},
    )
    if top is None:
        raise FrameworkError(check.problems)
    fid = check.slug(top.get("id"), "id") if "id" in top else None
    version = check.integer(top.get("version"), "version") if "version" in top else None
    name = check.text(top.get("name"), "name") if "name" in top else None
    description = (
        check.text(top.get("description"), "description") if "description" in top else None
    )
    ask_target = check.boolean(top.get("ask_target"), "ask_target", True)
    ask_importance = check.boolean(top.get("ask_importance"), "ask_importance", False)
    threshold = None
    if top.get("consensus_threshold") is not None:
        threshold = check.number(top["consensus_threshold"], "consensus_threshold", 0.0, 1.0)
    scale = _parse_scale(check, top["scale"]) if "scale" in top else None
    areas = _parse_areas(check, top["areas"], scale) if "areas" in top else None
    if guidance_required and scale and areas:
        _require_guidance(check, scale, areas)
    if check.problems:
        raise FrameworkError(check.problems)
    assert fid and version is not None and name and description and scale and areas is not None
    return Framework(
        id=fid,
        version=version,
        name=name,
        description=description,
        scale=scale,
        areas=areas,
        ask_target=ask_target,
        ask_importance=ask_importance,
        consensus_threshold=threshold,
        source=source,
    )


def _parse_scale(check: _Checker, data: object) -> Scale | None:
    scale = check.mapping(data, "scale", {"levels"}, set())
    if scale is None or "levels" not in scale:
        return None
    raw = scale["levels"]
    if not isinstance(raw, list) or len(raw) < 2:
        check.fail("scale.levels", f"expected a list of at least 2 levels, got {_kind(raw)}")
        return None
    if len(raw) > MAX_LEVELS:
        check.fail("scale.levels", f"{len(raw)} levels: at most {MAX_LEVELS} fit on one question")
        return None
    levels: list[Level] = []
    seen_keys: set[str] = set()
    for i, item in enumerate(raw):
        path = f"scale.levels[{i}]"
        entry = check.mapping(item, path, {"value", "key", "label", "summary"}, {"synonyms"})
        if entry is None:
            continue
        value = (
            check.integer(entry.get("value"), f"{path}.value", MAX_LEVEL_VALUE)
            if "value" in entry
            else None
        )
        key = check.level_key(entry.get("key"), f"{path}.key") if "key" in entry else None
        label = check.text(entry.get("label"), f"{path}.label") if "label" in entry else None
        summary = (
            check.text(entry.get("summary"), f"{path}.summary") if "summary" in entry else None
        )
        if key in seen_keys:
            check.fail(f"{path}.key", f"duplicate level key '{key}'")
        if value is not None and levels and value <= levels[-1].value:
            check.fail(
                f"{path}.value", f"levels must go up: {value} is not above {levels[-1].value}"
            )
            continue
        synonyms = (
            _parse_synonyms(check, entry["synonyms"], f"{path}.synonyms")
            if entry.get("synonyms") is not None
            else {}
        )
        if value is not None and key and label and summary:
            seen_keys.add(key)
            levels.append(Level(value, key, label, summary, synonyms))
    if len(levels) != len(raw):
        return None
    _check_synonyms_distinct(check, levels)
    return Scale(tuple(levels))


def reserved_word(word: str) -> bool:
    """Whether a typed ``word`` reads as a command or as numbers (the parser's rule,
    `bot.flows.parser.reserved_word`; the parser imports this module)."""
    from bot.flows import parser

    return parser.reserved_word(word)


def _parse_synonyms(check: _Checker, data: object, path: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(data, dict):
        check.fail(path, f"expected words by language like {{es: [regular]}}, got {_kind(data)}")
        return {}
    result: dict[str, tuple[str, ...]] = {}
    for lang, words in data.items():
        here = _join(path, str(lang))
        if lang not in LANGUAGES:
            check.fail(here, f"unknown language '{lang}' (use {', '.join(LANGUAGES)})")
        elif not isinstance(words, list) or not all(
            isinstance(w, str) and w.strip() for w in words
        ):
            check.fail(here, f"expected a list of non-empty words, got {_kind(words)}")
        else:
            dead = [w for w in words if reserved_word(w)]
            for word in dead:
                check.fail(
                    here,
                    f"'{word.strip()}' cannot be a synonym: a typed '{word.strip()}' reads as a"
                    " command or as numbers, so it would never name this level",
                )
            if not dead:
                result[lang] = tuple(w.strip() for w in words)
    return result


def _check_synonyms_distinct(check: _Checker, levels: list[Level]) -> None:
    """A synonym that names two levels would make a typed answer ambiguous."""
    owner: dict[str, int] = {}
    for i, level in enumerate(levels):
        for name in {n.casefold() for n in level.names()}:
            if name in owner and owner[name] != i:
                check.fail(
                    f"scale.levels[{i}].synonyms",
                    f"'{name}' also names level {levels[owner[name]].value}: "
                    "a typed answer could not tell them apart",
                )
            owner.setdefault(name, i)


def _parse_areas(check: _Checker, data: object, scale: Scale | None) -> tuple[Area, ...] | None:
    if not isinstance(data, list) or not data:
        check.fail("areas", f"expected a non-empty list of areas, got {_kind(data)}")
        return None
    if len(data) > MAX_AREAS:
        check.fail("areas", f"{len(data)} areas: at most {MAX_AREAS} fit in one review message")
        return None
    areas: list[Area] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(data):
        path = f"areas[{i}]"
        entry = check.mapping(
            item,
            path,
            {"id", "name", "question", "levels"},
            {"prompts", "weight", "briefs", "actions"},
        )
        if entry is None:
            continue
        aid = check.slug(entry.get("id"), f"{path}.id") if "id" in entry else None
        if aid is not None and aid in seen:
            check.fail(f"{path}.id", f"duplicate area id '{aid}' (also areas[{seen[aid]}])")
        elif aid is not None:
            seen[aid] = i
        name = check.text(entry.get("name"), f"{path}.name") if "name" in entry else None
        question = (
            check.text(entry.get("question"), f"{path}.question") if "question" in entry else None
        )
        levels = (
            _parse_area_levels(check, entry.get("levels"), f"{path}.levels", scale)
            if "levels" in entry
            else None
        )
        prompts: list[Text] = []
        if entry.get("prompts") is not None:
            if not isinstance(entry["prompts"], list):
                check.fail(
                    f"{path}.prompts", f"expected a list of texts, got {_kind(entry['prompts'])}"
                )
            else:
                for j, raw in enumerate(entry["prompts"]):
                    if (text := check.text(raw, f"{path}.prompts[{j}]")) is not None:
                        prompts.append(text)
        weight = 1.0
        if entry.get("weight") is not None:
            weight = check.number(entry["weight"], f"{path}.weight", 0.0, MAX_WEIGHT) or 1.0
        briefs = (
            _parse_briefs(check, entry["briefs"], f"{path}.briefs", scale)
            if entry.get("briefs") is not None
            else {}
        )
        actions = (
            _parse_actions(check, entry["actions"], f"{path}.actions", scale)
            if entry.get("actions") is not None
            else {}
        )
        if aid and name and question and levels is not None:
            areas.append(Area(aid, name, question, levels, tuple(prompts), weight, briefs, actions))
    return tuple(areas)


def _level_keyed(
    check: _Checker, data: object, path: str, scale: Scale | None, what: str
) -> list[tuple[int, object, str]]:
    """The entries of a mapping keyed by level value, each with its path; bad keys reported."""
    if not isinstance(data, dict):
        check.fail(path, f"expected a mapping from level value to {what}, got {_kind(data)}")
        return []
    known = set(scale.values) if scale else None
    entries: list[tuple[int, object, str]] = []
    for raw_key, raw in data.items():
        key = int(raw_key) if isinstance(raw_key, str) and raw_key.isdigit() else raw_key
        here = f"{path}.{raw_key}"
        if isinstance(key, bool) or not isinstance(key, int):
            check.fail(here, f"expected a level value (a whole number), got {_show(raw_key)}")
        elif known is not None and key not in known:
            values = ", ".join(str(v) for v in sorted(known))
            check.fail(here, f"the scale has no level {key} (its levels are {values})")
        else:
            entries.append((key, raw, here))
    return sorted(entries, key=lambda e: e[0])


def _parse_briefs(check: _Checker, data: object, path: str, scale: Scale | None) -> dict[int, Text]:
    briefs: dict[int, Text] = {}
    for value, raw, here in _level_keyed(check, data, path, scale, "a one-line description"):
        if (text := check.text(raw, here)) is None:
            continue
        for lang, line in text.to_dict().items():
            if len(line) > MAX_BRIEF_CHARS:
                check.fail(
                    _join(here, lang),
                    f"{len(line)} characters: a brief is one line of at most {MAX_BRIEF_CHARS}",
                )
        briefs[value] = text
    return briefs


def _parse_actions(
    check: _Checker, data: object, path: str, scale: Scale | None
) -> dict[int, tuple[Text, ...]]:
    low, high = ACTIONS_PER_STEP
    actions: dict[int, tuple[Text, ...]] = {}
    for value, raw, here in _level_keyed(check, data, path, scale, "a list of actions"):
        if scale is not None and value == scale.bottom:
            check.fail(here, f"level {value} is the bottom of the scale: no step leads to it")
        elif not isinstance(raw, list) or not low <= len(raw) <= high:
            check.fail(here, f"expected a list of {low} to {high} actions, got {_count(raw)}")
        else:
            texts = [check.text(item, f"{here}[{j}]") for j, item in enumerate(raw)]
            actions[value] = tuple(t for t in texts if t is not None)
    return actions


def _count(value: object) -> str:
    return f"{len(value)} item(s)" if isinstance(value, list) else _kind(value)


def _require_guidance(check: _Checker, scale: Scale, areas: tuple[Area, ...]) -> None:
    """Every area of a bundled framework has a brief per level and actions for every step."""
    for i, area in enumerate(areas):
        for value in scale.values:
            if value not in area.briefs:
                check.fail(f"areas[{i}].briefs.{value}", "a bundled framework needs this brief")
            if value != scale.bottom and value not in area.actions:
                check.fail(
                    f"areas[{i}].actions.{value}",
                    "a bundled framework needs the actions for this step",
                )


def _parse_area_levels(
    check: _Checker, data: object, path: str, scale: Scale | None
) -> dict[int, Text] | None:
    if not isinstance(data, dict):
        check.fail(path, f"expected a mapping from level value to description, got {_kind(data)}")
        return None
    known = set(scale.values) if scale else None
    result: dict[int, Text] = {}
    for raw_key, raw_text in data.items():
        key = _level_value(raw_key)
        here = f"{path}.{raw_key}"
        if isinstance(key, bool) or not isinstance(key, int):
            check.fail(here, f"expected a level value (a whole number), got {_show(raw_key)}")
            continue
        if known is not None and key not in known:
            values = ", ".join(str(v) for v in sorted(known))
            check.fail(here, f"the scale has no level {key} (its levels are {values})")
            continue
        if (text := check.text(raw_text, here)) is not None:
            result[key] = text
    if known is not None:
        for missing in sorted(known - {_level_value(k) for k in data}):
            check.fail(f"{path}.{missing}", "describe what this level looks like in this area")
    return dict(sorted(result.items()))


# --------------------------------------------------------------------------- files


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe loader that refuses duplicate keys instead of silently keeping the last one."""


@dataclass(frozen=True)
class _UnhashableKey:
    """Stands in for a list or mapping used as a key, so validation can report it by path."""

    kind: str

    def __str__(self) -> str:
        return f"<{self.kind}>"


def _construct_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    def key_of(key_node: yaml.Node) -> object:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            return _UnhashableKey(_kind(key))
        return key

    seen: set[object] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # `<<`: its keys are flattened in below, and may be overridden
        key = key_of(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        seen.add(key)
    loader.flatten_mapping(node)  # merge keys (<<), as the safe loader does
    return {key_of(k): loader.construct_object(v, deep=deep) for k, v in node.value}


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def read_yaml(text: str, source: str) -> object:
    """Parse YAML text; a syntax error names the file, line and column."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise FrameworkError(
            [Problem(source, "", f"YAML syntax error at {where}: {exc.problem or exc.context}")]
        ) from None
    except yaml.YAMLError as exc:
        raise FrameworkError([Problem(source, "", f"not valid YAML: {exc}")]) from None


def load_framework(path: str | os.PathLike[str], *, guidance_required: bool = False) -> Framework:
    """Read and validate one framework file (see `parse_framework` for ``guidance_required``)."""
    p = Path(path)
    source = str(path)
    try:
        text = read_bounded(p, MAX_FILE_BYTES).decode("utf-8")
    except FileTooLarge as exc:
        raise FrameworkError([Problem(source, "", str(exc))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FrameworkError([Problem(source, "", f"cannot read the file: {exc}")]) from None
    data = read_yaml(text, source)
    fid = data.get("id") if isinstance(data, dict) else None
    misnamed = []
    if isinstance(fid, str) and fid != p.stem:
        misnamed.append(Problem(source, "id", f"id '{fid}' must match the file name '{p.stem}'"))
    try:
        framework = parse_framework(data, source, guidance_required=guidance_required)
    except FrameworkError as exc:
        raise FrameworkError([*misnamed, *exc.problems]) from None
    if misnamed:
        raise FrameworkError(misnamed)
    return framework


@dataclass(frozen=True)
class Catalog:
    """The frameworks available to the app, by id, in a stable order."""

    frameworks: Mapping[str, Framework]

    def __iter__(self) -> Iterator[Framework]:
        return iter(self.frameworks.values())

    def __len__(self) -> int:
        return len(self.frameworks)

    def __contains__(self, fid: object) -> bool:
        return fid in self.frameworks

    def get(self, fid: str) -> Framework:
        """The framework ``fid``; `UnknownFramework` (listing the valid ids) when there is none."""
        try:
            return self.frameworks[fid]
        except KeyError:
            raise UnknownFramework(fid, tuple(self.frameworks)) from None


class UnknownFramework(LookupError):
    """A framework id that the catalog does not hold."""

    def __init__(self, fid: str, known: tuple[str, ...]) -> None:
        self.fid, self.known = fid, known
        super().__init__(f"unknown framework '{fid}' (available: {', '.join(known) or 'none'})")


def load_catalog(*directories: str | os.PathLike[str] | None) -> Catalog:
    """Load every ``*.yaml`` in the bundled directory and in ``directories``.

    Bundled frameworks must carry guidance (briefs and actions); for extra ones it is optional.
    All problems in all files are collected and raised together; an id defined twice is an error.
    """
    dirs = [BUNDLED_DIR, *(Path(d) for d in directories if d)]
    problems: list[Problem] = []
    found: dict[str, Framework] = {}
    for directory in dirs:
        if not directory.is_dir():
            problems.append(Problem(str(directory), "", "frameworks directory does not exist"))
            continue
        for path in sorted(directory.glob("*.yaml")):
            try:
                framework = load_framework(path, guidance_required=directory == BUNDLED_DIR)
            except FrameworkError as exc:
                problems.extend(exc.problems)
                continue
            if framework.id in found:
                other = found[framework.id].source
                problems.append(
                    Problem(
                        str(path), "id", f"framework '{framework.id}' is already defined in {other}"
                    )
                )
                continue
            found[framework.id] = framework
    if problems:
        raise FrameworkError(problems)
    return Catalog(found)
