"""The summary chart: current vs target median per area as paired horizontal bars, a PNG.

An area the analysis withheld (fewer than ``min_responses`` answers) has no bar: its row says it is
withheld to protect anonymity, and its name is greyed out.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no global state), so it is
headless and safe to call from any thread. matplotlib is imported on first use: it is slow to load
and only this renderer needs it.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

from bot.analysis import Report
from bot.i18n import language_of, t
from bot.render.templating import level_text

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WIDTH_PX, HEIGHT_PX, DPI = 1200, 800, 100
CURRENT_COLOR, TARGET_COLOR, EMPTY_COLOR = "#1f6fb2", "#f39c34", "#8a8a8a"
_NAME_WIDTH = 32  # characters per line of an area name on the axis
_TITLE_WIDTH = 100  # characters per line of the subtitle


def render_chart(report: Report, lang: str) -> bytes:
    """A 1200x800 PNG: one row per area (framework order, top down), axis ticks = level labels."""
    buffer = io.BytesIO()
    chart_figure(report, lang).savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def chart_figure(report: Report, lang: str) -> Figure:
    """The chart as a matplotlib figure on an Agg canvas (what `render_chart` saves)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    lang = language_of(lang)
    framework, scale = report.framework, report.framework.scale
    show_target = framework.ask_target
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()

    rows = range(len(report.areas))
    height = 0.38 if show_target else 0.6
    offset = height / 2 if show_target else 0.0
    current = [r.current.median if r.current else 0.0 for r in report.areas]
    ax.barh(
        [y - offset for y in rows],
        current,
        height,
        color=CURRENT_COLOR,
        label=t(lang, "report_col_current"),
    )
    if show_target:
        target = [r.target.median if r.target else 0.0 for r in report.areas]
        ax.barh(
            [y + offset for y in rows],
            target,
            height,
            color=TARGET_COLOR,
            label=t(lang, "report_col_target"),
        )
    min_responses = report.settings.min_responses
    for y, r in zip(rows, report.areas, strict=True):
        if r.n == 0:
            ax.text(0.05, y, t(lang, "report_no_answers"), va="center", color=EMPTY_COLOR)
        elif r.below_min_responses:
            note = t(lang, "report_withheld", n=r.n, min=min_responses)
            ax.text(0.05, y, note, va="center", color=EMPTY_COLOR, style="italic")

    ax.set_yticks(
        list(rows),
        [textwrap.fill(r.area.name.get(lang), _NAME_WIDTH) for r in report.areas],
    )
    for label, r in zip(ax.get_yticklabels(), report.areas, strict=True):
        if r.below_min_responses:
            label.set_color(EMPTY_COLOR)
    ax.invert_yaxis()
    ax.set_xlim(0, scale.top + 0.4)  # room for the top level's label
    ax.set_xticks(
        list(scale.values),
        [textwrap.fill(level_text(v, scale, lang), 16) for v in scale.values],
    )
    ax.grid(axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    stage = report.overall.stage
    if stage:
        subtitle = t(lang, "report_overall", stage=level_text(stage.value, scale, lang))
    elif report.participants.responded:
        subtitle = t(lang, "report_overall_withheld", min=min_responses)
    else:
        subtitle = t(lang, "report_no_levels")
    subtitle = textwrap.fill(subtitle, _TITLE_WIDTH)
    ax.set_title(f"{framework.name.get(lang)}\n{subtitle}")
    return fig
