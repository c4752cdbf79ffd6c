"""The message catalog is complete in every language, with the same placeholders."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from bot.analysis import Agreement
from bot.flows.interview import Notice
from bot.frameworks import LANGUAGES
from bot.i18n import language_of, messages, t
from bot.model import RoundStatus
from bot.render.dialogue import ROW_KEYS
from bot.rounds import STATUS_GROUPS


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(messages()))
def test_every_message_has_every_language_and_the_same_placeholders(key: str) -> None:
    text = messages()[key]
    for lang in LANGUAGES:
        translated = text.get(lang)
        if key != "unanswered":
            assert getattr(text, lang), f"{key} lacks {lang}"
        assert _fields(translated) == _fields(text.en), f"{key}/{lang}"


def test_message_in_a_language_with_parameters() -> None:
    assert t("de", "progress", index=4, total=12) == "4 von 12"
    assert t("fr", "reask_which_area", number=3, area="X") == "Change area 3 · X?"


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("es-ES", "es"), ("es-LA", "es"), ("de-DE", "de"), ("fr-FR", "en"), (None, "en")],
)
def test_slack_locale_to_language(locale: str | None, lang: str) -> None:
    assert language_of(locale) == lang


DYNAMIC = {
    "notice_": [n.value for n in Notice],
    "status_group_": [*STATUS_GROUPS, "unreached"],
    "status_": [s.value for s in RoundStatus],
    "agreement_": [a.value for a in Agreement],
}


KEY_ARGUMENT = {"t": 1, "Refusal": 0, "SlashError": 0, "farewell": 1}
"""Calls that take a message key, and the position of that argument."""


def _keys_of(node: ast.expr) -> list[str]:
    """The keys an expression can be: a literal, either branch of ``a if c else b``, or an
    f-string with a known prefix expanded over the values that fill it."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _keys_of(node.body) + _keys_of(node.orelse)
    if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
        prefix = str(node.values[0].value)
        assert prefix in DYNAMIC, f"a message key built from {prefix!r}: teach this test"
        return [prefix + value for value in DYNAMIC[prefix]]
    return []


def _keys_used_in_code() -> set[str]:
    """Message keys the code names: the key arguments of `KEY_ARGUMENT`'s calls, ``key = ...``
    assignments, the ``ROW_KEYS`` table, and the templates' ``t("...")``."""
    keys: set[str] = set(ROW_KEYS.values())
    for path in Path("bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in KEY_ARGUMENT and len(node.args) > KEY_ARGUMENT[name]:
                    keys.update(_keys_of(node.args[KEY_ARGUMENT[name]]))
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "key" for target in node.targets
            ):
                keys.update(_keys_of(node.value))
    for template in Path("bot/templates").glob("*.j2"):
        keys.update(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']""", template.read_text()))
    return keys


def test_every_message_key_used_in_code_exists_in_all_three_languages() -> None:
    keys = _keys_used_in_code()
    expected = {"progress", "notice_help", "status_group_invited", "row_target", "report_title"}
    assert expected | {"slash_unknown", "thanks_closed", "no_open_round"} <= keys
    catalog = messages()
    missing = sorted(k for k in keys if k not in catalog)
    assert missing == []
    untranslated = sorted(
        k for k in keys if k != "unanswered" and not all(getattr(catalog[k], x) for x in LANGUAGES)
    )
    assert untranslated == []


def test_a_count_of_one_takes_the_singular() -> None:
    assert t("en", "reminded", count=1) == "Reminded 1 person who has not finished."
    assert t("es", "invited", count=1) == "Invité a 1 persona por mensaje directo."
    assert t("de", "reminded", count=2).startswith("2 Personen")
