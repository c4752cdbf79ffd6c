"""The one Jinja2 environment for report templates (bot/templates/*.j2) and its filters.

Templates get ``report`` (the typed `Report`), ``lang``, ``t`` (the message catalog bound to
``lang``) and the report's sentences from `bot.render.wording` (``stage_headline``,
``stage_reason``, ``weakest``). Filters format for people: numbers with the language's decimal
separator, levels as "2 · Development", changes with an arrow, splits, agreement, questions;
``shows_counts`` says whether an area's counts per level may be shown.
"""

from __future__ import annotations

import re
from functools import cache, partial
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from bot.analysis import (
    COUNTS_MARGIN,
    STRONG_AGREEMENT,
    AreaResult,
    Report,
    Stat,
    counts_shown,
    weighed_by_importance,
)
from bot.frameworks import Text
from bot.i18n import language_of, t
from bot.model import followup_number
from bot.render import wording
from bot.render.wording import change_text, level_text, number
from bot.resources import TEMPLATES

_MARKDOWN_INLINE = re.compile(r"[\\`*_{}\[\]<>()#+!|~&]|(?<=:)/|(?<=www)\.")
_MARKDOWN_START = re.compile(r"^([0-9]*)([-.])")  # a list item at the start of the text


@pass_context
def _text(ctx: Context, value: Text) -> str:
    return value.get(ctx["lang"])


@pass_context
def _num(ctx: Context, value: float | None, digits: int = 1) -> str:
    return number(value, ctx["lang"], digits)


@pass_context
def _level(ctx: Context, value: float | None, short: bool = False, bare: bool = False) -> str:
    report: Report = ctx["report"]
    return level_text(value, report.framework.scale, ctx["lang"], short=short, bare=bare)


@pass_context
def _split(ctx: Context, r: AreaResult, short: bool = False, labeled: bool = False) -> str:
    report: Report = ctx["report"]
    scale, lang, least = report.framework.scale, ctx["lang"], report.settings.min_responses
    return wording.split_text(r, scale, lang, least, short=short, labeled=labeled)


@pass_context
def _shows_counts(ctx: Context, r: AreaResult) -> bool:
    report: Report = ctx["report"]
    return counts_shown(r, report.settings.min_responses)


@pass_context
def _agreement(ctx: Context, r: AreaResult, short: bool = False) -> str:
    return wording.agreement_text(r, ctx["lang"], short=short)


@pass_context
def _questions(ctx: Context, r: AreaResult) -> tuple[str, ...]:
    report: Report = ctx["report"]
    scale, least = report.framework.scale, report.settings.min_responses
    return wording.discussion_questions(r, scale, ctx["lang"], least)


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
        split=_split,
        shows_counts=_shows_counts,
        agreement=_agreement,
        questions=_questions,
        median=_median,
        change=_change,
        oneline=_oneline,
        plain=_plain,
        cell=_cell,
        fit=_fit,
        followup=followup_number,
    )
    return env


def template_vars(report: Report, lang: str) -> dict[str, Any]:
    """What every report template sees; an unsupported ``lang`` becomes English."""
    lang = language_of(lang)
    return {
        "report": report,
        "lang": lang,
        "t": partial(t, lang),
        "stage_headline": wording.stage_headline(report, lang),
        "stage_reason": wording.stage_reason(report, lang),
        "weakest": partial(wording.weakest_text, report, lang),
        "gap_note": partial(wording.gap_note, report, lang),
        "weighed": partial(weighed_by_importance, report),
        "disagreements": wording.disagreements(report),
        "unjudged_names": wording.names([r.area for r in report.areas if r.unjudged], lang),
        "strong_agreement": STRONG_AGREEMENT,
        "counts_from": report.settings.min_responses + COUNTS_MARGIN,
        "levels_legend": wording.levels_legend(report.framework.scale, lang),
    }


def render(name: str, report: Report, lang: str) -> str:
    """Render the template ``name`` for ``report`` in ``lang``."""
    return environment().get_template(name).render(template_vars(report, lang))
