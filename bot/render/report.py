"""A report as JSON (the stable ``schema`` 2 contract), as Markdown, and as a terminal summary."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from bot.analysis import Report
from bot.model import Discussion
from bot.render.templating import environment, render, template_vars


def render_json(report: Report, lang: str) -> str:
    """`Report.to_dict` as indented JSON, texts in ``lang``, non-ASCII kept readable."""
    return json.dumps(report.to_dict(lang), ensure_ascii=False, indent=2)


def render_markdown(
    report: Report,
    lang: str,
    discussion: Sequence[Discussion] = (),
    authors: Mapping[str, str] | None = None,
) -> str:
    """The full report: summary, roadmap, disagreements, areas, trend, participation, comments;
    with ``discussion``, what people wrote in each thread (``authors``: user id -> name)."""
    context = template_vars(report, lang) | {"discussion": discussion, "authors": authors or {}}
    return environment().get_template("report.md.j2").render(context)


def render_text(report: Report, lang: str) -> str:
    """A summary for the terminal: stage, top of the roadmap, disagreements, a line per area."""
    return render("summary.txt.j2", report, lang)
