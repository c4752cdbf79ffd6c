"""The message catalog is complete in every language, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from bot.frameworks import LANGUAGES
from bot.i18n import language_of, messages, t


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
    assert t("de", "progress", index=4, total=12) == "Bereich 4 von 12"
    assert t("fr", "progress", index=1, total=2) == "Area 1 of 2"


@pytest.mark.parametrize(
    ("locale", "lang"),
    [("es-ES", "es"), ("es-LA", "es"), ("de-DE", "de"), ("fr-FR", "en"), (None, "en")],
)
def test_slack_locale_to_language(locale: str | None, lang: str) -> None:
    assert language_of(locale) == lang
