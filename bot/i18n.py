"""One place for user-facing text: message catalogs in en, es and de (templates/messages*.yaml).

Each catalog file holds one part of the product (the dialogue, reports, Slack); a key may be
defined only once across them.
"""

from __future__ import annotations

from functools import cache

from bot.frameworks import LANGUAGES, Text, read_yaml
from bot.resources import TEMPLATES


@cache
def messages() -> dict[str, Text]:
    """The catalogs, loaded once: message key -> localized text."""
    catalog: dict[str, Text] = {}
    for path in sorted(TEMPLATES.glob("messages*.yaml")):
        loaded = read_yaml(path.read_text(encoding="utf-8"), path.name)  # a key twice: refused
        assert isinstance(loaded, dict), path
        for key, value in loaded.items():
            if key in catalog:
                raise ValueError(f"{path.name}: message '{key}' is already defined")
            catalog[key] = Text(**value)
    return catalog


def t(lang: str, key: str, **params: object) -> str:
    """The message ``key`` in ``lang`` (English when missing), with ``params`` filled in.

    With ``count=1`` (``count=0``), ``key_one`` (``key_zero``) is used when the catalog has one.
    """
    catalog = messages()
    count = params.get("count")
    form = "_zero" if count == 0 else "_one" if count == 1 else ""
    if form and f"{key}{form}" in catalog:
        key = f"{key}{form}"
    return catalog[key].get(lang).format(**params)


def language_of(locale: str | None) -> str:
    """The supported language for a Slack locale like ``es-ES`` or ``de-DE`` (else English)."""
    code = (locale or "").split("-")[0].split("_")[0].lower()
    return code if code in LANGUAGES else "en"
