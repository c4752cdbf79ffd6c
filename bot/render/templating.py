"""The one Jinja2 environment for report templates (bot/templates/*.j2) and its filters.

Templates get ``report`` (the typed `Report`), ``lang`` and ``t`` (the message catalog bound to
``lang``). Filters format for people: numbers with the language's decimal separator, levels as
"2 · Development", changes with an arrow.
"""

from __future__ import annotations

import re
from functools import cache, partial
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from bot.analysis import Report, Stat
from bot.frameworks import Scale, Text
from bot.i18n import language_of, t
from bot.resources import TEMPLATES

MISSING = "–"
_DECIMAL_COMMA = frozenset({"es", "de"})
_MARKDOWN_INLINE = re.compile(r"[\\`*_{}\[\]<>()#+!|~&]|(?<=:)/|(?<=www)\.")
_MARKDOWN_START = re.compile(r"^([0-9]*)([-.])")  # a list item at the start of the text


def number(value: float | None, lang: str, digits: int = 1) -> str:
    """``value`` rounded to ``digits`` without trailing zeros ("2", "2.5"; "2,5" in es/de)."""
    if value is None:
        return MISSING
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", ",") if lang in _DECIMAL_COMMA else text


def level_text(value: float | None, scale: Scale, lang: str) -> str:
    """A median as people read it: "2 · Development" on a level, the bare number between two."""
    if value is None:
        return MISSING
    if float(value).is_integer() and int(value) in scale.values:
        return f"{int(value)} · {scale.level(int(value)).label.get(lang)}"
    return number(value, lang)


def change_text(value: float | None, lang: str) -> str:
    """A change with an arrow: "↑ +0.5", "↓ -1", "→ 0" (also when it rounds to 0); "–" unknown."""
    if value is None:
        return MISSING
    magnitude = number(abs(value), lang)
    if magnitude == "0":
        return "→ 0"
    return f"↑ +{magnitude}" if value > 0 else f"↓ -{magnitude}"


@pass_context
def _text(ctx: Context, value: Text) -> str:
    return value.get(ctx["lang"])


@pass_context
def _num(ctx: Context, value: float | None, digits: int = 1) -> str:
    return number(value, ctx["lang"], digits)


@pass_context
def _level(ctx: Context, value: float | None) -> str:
    report: Report = ctx["report"]
    return level_text(value, report.framework.scale, ctx["lang"])


def _median(stat: Stat | None) -> float | None:
    return stat.median if stat else None


@pass_context
def _change(ctx: Context, value: float | None) -> str:
    return change_text(value, ctx["lang"])


def _oneline(value: str) -> str:
    """Whitespace (newlines included) collapsed to single spaces."""
    return " ".join(value.split())


def _plain(value: str) -> str:
    """Text someone wrote, inert in Markdown: no link, image, HTML, emphasis or heading, and no
    URL that a renderer would turn into a link; it reads the same once rendered."""
    escaped = _MARKDOWN_INLINE.sub(lambda match: "\\" + match.group(), value)
    return _MARKDOWN_START.sub(r"\1\\\2", escaped)


def _cell(value: str) -> str:
    """Text safe inside a Markdown table cell."""
    return _oneline(value).replace("|", "\\|")


def _fit(value: str, width: int) -> str:
    """``value`` padded or cut (with an ellipsis) to exactly ``width`` characters."""
    return value.ljust(width) if len(value) <= width else value[: width - 1] + "…"


@cache
def environment() -> Environment:
    """The shared environment: templates folder, strict undefined, no autoescape (text output)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        text=_text,
        num=_num,
        level=_level,
        median=_median,
        change=_change,
        oneline=_oneline,
        plain=_plain,
        cell=_cell,
        fit=_fit,
    )
    return env


def template_vars(report: Report, lang: str) -> dict[str, Any]:
    """What every report template sees; an unsupported ``lang`` becomes English."""
    lang = language_of(lang)
    return {"report": report, "lang": lang, "t": partial(t, lang)}


def render(name: str, report: Report, lang: str) -> str:
    """Render the template ``name`` for ``report`` in ``lang``."""
    return environment().get_template(name).render(template_vars(report, lang))
