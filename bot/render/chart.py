"""The summary chart, a PNG: per area, how many people gave each level (a dot per level, its size
and number the count), the current median (a bar) and the target median (a diamond); an area
whose answers split is shaded and its name marked, with no median drawn (no level places it).
Titles and legend in the report's language.

An area the analysis withheld (fewer than ``min_responses`` answers) has no dots: its row says
"too few answers to show", and its name is greyed out. Among too few people to show counts
(`counts_shown`) there are no dots: which levels were given would, with the median, be
everyone's answers.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no global state), so it is
headless and safe to call from any thread. matplotlib is imported on first use: it is slow to load
and only this renderer needs it.
"""

from __future__ import annotations

import io
import textwrap
from typing import TYPE_CHECKING

from bot.analysis import Report, counts_shown
from bot.i18n import language_of, t
from bot.render.wording import level_text, stage_headline, stage_reason

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure

WIDTH_PX, HEIGHT_PX, DPI = 1200, 800, 100
ANSWER_COLOR, CURRENT_COLOR, TARGET_COLOR = "#6fa8dc", "#0b3d6b", "#e67e22"
SPLIT_COLOR, EMPTY_COLOR = "#fbe3e1", "#8a8a8a"
SPLIT_TEXT_COLOR = "#b03a2e"
_MAX_DOT = 620.0  # marker area (points²) of the most frequent answer, up to `_ROOMY_ROWS` areas
_MIN_DOT = 110.0  # room for a one-digit count inside the smallest dot
_ROOMY_ROWS = 12  # with more areas, dots and counts shrink with the rows
_NAME_WIDTH = 30  # characters per line of an area name on the axis
_TITLE_WIDTH = 110  # characters per line of the subtitle


def render_chart(report: Report, lang: str) -> bytes:
    """A 1200x800 PNG: one row per area (framework order, top down), axis ticks = level labels."""
    buffer = io.BytesIO()
    chart_figure(report, lang).savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def chart_figure(report: Report, lang: str) -> Figure:
    """The chart as a matplotlib figure on an Agg canvas (what `render_chart` saves)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lang = language_of(lang)
    framework, scale = report.framework, report.framework.scale
    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()

    min_responses = report.settings.min_responses
    counted = [r.distribution for r in report.areas if counts_shown(r, min_responses)]
    most = max((max(d.values()) for d in counted if d), default=1)
    shrink = min(1.0, _ROOMY_ROWS / max(len(report.areas), 1))  # a row's height, relatively
    biggest, smallest = _MAX_DOT * shrink**2, _MIN_DOT * shrink**2
    for y, r in enumerate(report.areas):
        if r.disagreement:
            ax.axhspan(y - 0.47, y + 0.47, color=SPLIT_COLOR, zorder=0)  # apart from the next
        if r.distribution is None:
            note = t(lang, "report_withheld")
            ax.text(scale.bottom - 0.3, y, note, va="center", color=EMPTY_COLOR, style="italic")
            continue
        given = [(value, count) for value, count in r.distribution.items() if count]
        if not counts_shown(r, min_responses):  # among few people the levels are the answers
            given = []
        if given:
            ax.scatter(
                [value for value, _ in given],
                [y] * len(given),
                s=[max(smallest, biggest * count / most) for _, count in given],
                color=ANSWER_COLOR,
                edgecolors="white",
                zorder=2,
            )
        for value, count in given:
            ax.text(
                value,
                y,
                str(count),
                ha="center",
                va="center",
                color="white",
                zorder=3,
                fontsize=max(5.0, 9 * shrink),
                fontweight="bold",
            )
        if r.current and not r.disagreement:  # a split has no level; behind the dots
            ax.plot(
                [r.current.median] * 2,
                [y - 0.42, y + 0.42],
                color=CURRENT_COLOR,
                lw=2.5,
                solid_capstyle="butt",
                zorder=1,
            )
        if r.current and r.target and not r.disagreement:  # under the dots: current to target
            track = y + 0.3
            ax.plot(
                [r.current.median, r.target.median],
                [track, track],
                color=TARGET_COLOR,
                lw=1.5,
                zorder=1,
            )
            ax.plot(
                r.target.median,
                track,
                marker="D",
                color=TARGET_COLOR,
                markersize=max(3.0, 7 * shrink),
                markeredgecolor="white",
                zorder=4,
            )

    ax.set_yticks(
        list(range(len(report.areas))),
        [textwrap.fill(r.area.name.get(lang), _NAME_WIDTH) for r in report.areas],
    )
    for label, r in zip(ax.get_yticklabels(), report.areas, strict=True):
        if r.below_min_responses:
            label.set_color(EMPTY_COLOR)
        elif r.disagreement:
            label.set_color(SPLIT_TEXT_COLOR)
            label.set_fontweight("bold")
    ax.set_ylim(len(report.areas) - 0.5, -0.5)  # first area on top
    ax.set_xlim(scale.bottom - 0.4, scale.top + 0.4)
    ax.set_xticks(
        list(scale.values),
        [textwrap.fill(level_text(v, scale, lang), 16) for v in scale.values],
    )
    ax.grid(axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    handles: list[Artist] = [
        Line2D(
            [],
            [],
            ls="",
            marker="o",
            markersize=11,
            color=ANSWER_COLOR,
            label=t(lang, "chart_answers"),
        ),
        Line2D(
            [],
            [],
            ls="",
            marker="|",
            markersize=14,
            markeredgewidth=2.5,
            color=CURRENT_COLOR,
            label=t(lang, "report_col_current"),
        ),
    ]
    if framework.ask_target:
        handles.append(
            Line2D(
                [],
                [],
                marker="D",
                markersize=7,
                lw=1.5,
                color=TARGET_COLOR,
                label=t(lang, "report_col_target"),
            )
        )
    if any(r.disagreement for r in report.areas):
        handles.append(Patch(color=SPLIT_COLOR, label=t(lang, "chart_disagreement")))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
    headline = stage_headline(report, lang)
    subtitle = "\n".join(
        textwrap.fill(line, _TITLE_WIDTH) for line in (headline, stage_reason(report, lang)) if line
    )
    fig.suptitle(framework.name.get(lang), x=0.01, ha="left", fontsize=14, fontweight="bold")
    ax.set_title(subtitle, loc="left", fontsize=11)
    return fig
