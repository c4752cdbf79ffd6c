"""The anonymous channel summary of a closed round, as Block Kit.

Aggregates only (comments stay in the Markdown report); an area with fewer than ``min_responses``
answers shows no figure ("too few answers to show"), as the analysis withholds its levels. Short
enough to read on a phone: the overall stage with its reason, at most `TOP_GAPS` gaps (each with
its next step's actions) and `TOP_DISAGREEMENTS` disagreements (each with its discussion
question), a line per area; the rest is counted and left to the full report. Texts come from
``templates/summary.mrkdwn.j2``. Always within Slack's limits: at most 50 blocks, section texts
at most 3000 characters, the header at most 150; sections are marked ``expand``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from jinja2 import Environment
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.analysis import AreaResult, Report
from bot.i18n import language_of, t
from bot.render.blocks import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT, clip, escape_mrkdwn
from bot.render.blocks.actions_plan import action_progress, make_buttons
from bot.render.blocks.delphi import follow_up_button
from bot.render.templating import environment, template_vars
from bot.render.wording import disagreements

MAX_HEADER_TEXT = 150
TOP_GAPS = 3
TOP_DISAGREEMENTS = 3


@cache
def _mrkdwn() -> Environment:
    return environment().overlay(finalize=escape_mrkdwn)


def _texts(report: Report, lang: str) -> Any:
    """The template's macros, bound to ``report`` and ``lang``."""
    return _mrkdwn().get_template("summary.mrkdwn.j2").make_module(template_vars(report, lang))


def summary_blocks(
    report: Report,
    lang: str,
    *,
    round_label: str | None = None,
    round_id: int | None = None,
    follow_up: bool = True,
    note: str | None = None,
) -> list[Block]:
    """Overall stage and its reason, top gaps with actions, disagreements, a line per area.

    With ``round_id``, each top gap shown gets a *Make it an action* button, and the
    disagreements a *Follow up on the disagreements* button unless ``follow_up`` is False (a
    round followed up already); ``note``: a last line, room kept for it."""
    lang = language_of(lang)
    texts = _texts(report, lang)
    title = t(lang, "summary_title", framework=report.framework.name.get(lang))
    if round_label:
        title = f"{title} · {round_label}"
    blocks: list[Block] = [
        HeaderBlock(text=clip(title, MAX_HEADER_TEXT)),
        _section(texts.overall_text()),
        _context(texts.participation_text()),
    ]
    if not report.overall.shown:  # no area can be shown (no levels, or too few): stop here
        return blocks
    blocks.append(DividerBlock())
    if report.top_gaps:  # shown areas only; no gaps, no section (never an empty heading)
        blocks.append(_section(texts.gaps_text(TOP_GAPS)))
        if round_id is not None:
            blocks += make_buttons(report, round_id, lang, TOP_GAPS)
    if any(r.disagreement for r in report.areas):
        threads = round_id is not None  # a discussion thread each (`bot.discussion`)
        blocks.append(_section(texts.disagreements_text(TOP_DISAGREEMENTS, threads)))
        if round_id is not None and follow_up:
            blocks.append(follow_up_button(round_id, lang))
    if not isinstance(blocks[-1], DividerBlock):  # neither section: one line between, not two
        blocks.append(DividerBlock())
    changes = {c.area.id: c.change for c in report.trend.areas} if report.trend else {}
    progress = action_progress(report, lang)
    above = {r.id for r in shown_disagreements(report)}
    lines = [
        texts.area_line(r, changes.get(r.id), progress.get(r.id), r.id in above).strip()
        for r in report.areas
    ]
    room = MAX_MESSAGE_BLOCKS - len(blocks) - 1 - (note is not None)  # the footer, the note
    blocks += [_section(chunk) for chunk in _chunks(lines)][:room]
    blocks.append(_context(texts.footer_text()))
    if note is not None:
        blocks.append(_context(note))
    return blocks


def shown_disagreements(report: Report) -> tuple[AreaResult, ...]:
    """The disagreements the summary shows (none when it shows no area at all); each gets a
    discussion thread (bot/discussion.py)."""
    return () if not report.overall.shown else disagreements(report)[:TOP_DISAGREEMENTS]


def summary_text(report: Report, lang: str) -> str:
    """One line for notifications and clients that cannot show blocks (the ``text`` field)."""
    return str(_texts(report, lang).fallback_text()).strip()


def _section(text: str) -> SectionBlock:
    """A section marked ``expand``, so that phones do not fold it behind "See more"."""
    return SectionBlock(text=MarkdownTextObject(text=clip(text.strip())), expand=True)


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text.strip()))])


def _chunks(lines: Sequence[str]) -> Iterator[str]:
    """``lines`` joined into texts of at most `MAX_SECTION_TEXT` characters, whole lines each."""
    chunk: list[str] = []
    size = 0
    for line in lines:
        if chunk and size + 1 + len(line) > MAX_SECTION_TEXT:
            yield "\n".join(chunk)
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + (1 if size else 0)
    if chunk:
        yield "\n".join(chunk)
