"""One place for user-facing text: a message catalog in en, es and de (templates/messages.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from bot.frameworks import LANGUAGES, Text

CATALOG_PATH = Path(__file__).parent / "templates" / "messages.yaml"


@cache
def messages() -> dict[str, Text]:
    """The catalog, loaded once: message key -> localized text."""
    raw = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    return {key: Text(**value) for key, value in raw.items()}


def t(lang: str, key: str, **params: object) -> str:
    """The message ``key`` in ``lang`` (English when missing), with ``params`` filled in."""
    return messages()[key].get(lang).format(**params)


def language_of(locale: str | None) -> str:
    """The supported language for a Slack locale like ``es-ES`` or ``de-DE`` (else English)."""
    code = (locale or "").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else "en"
