"""The sentences of the dialogue, shared by the terminal and the Slack renderers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.answers import AreaAnswer, Ask, Mark, Reply
from bot.flows.interview import (
    IMPORTANCE_SCALE,
    MAX_COMMENT_CHARS,
    Declined,
    Notice,
    Paused,
    Question,
)
from bot.flows.parser import Ambiguous, Reask, WhichArea
from bot.frameworks import Area, Framework, Scale
from bot.i18n import t

ROW_KEYS = {Ask.CURRENT: "row_current", Ask.TARGET: "row_target", Ask.IMPORTANCE: "row_importance"}


def reply_label(reply: Reply | None, scale: Scale, lang: str) -> str:
    """A reply as a person reads it: "3 · Maturation", "Not sure", "Skipped" or "—"."""
    if reply is None:
        return t(lang, "unanswered")
    if isinstance(reply, Mark):
        return t(lang, "not_sure" if reply is Mark.NOT_SURE else "skipped")
    return f"{reply} · {scale.level(reply).label.get(lang)}"


def question_title(question: Question, lang: str) -> str:
    """E.g. "Knowledge management · 4 of 12"."""
    index, total = question.progress
    return f"{question.area.name.get(lang)} · {t(lang, 'progress', index=index, total=total)}"


def level_lines(question: Question, lang: str) -> list[str]:
    """One line per level: "*1 · Initiation* — the area's one-line brief of it"."""
    return [
        f"*{level.value} · {level.label.get(lang)}* — {question.area.brief(level.value).get(lang)}"
        for level in question.scale.levels
    ]


def given_line(question: Question, lang: str) -> str:
    """What the card holds so far: "Today: 2 · Development"."""
    return " · ".join(
        f"{t(lang, ROW_KEYS[ask])}: {reply_label(reply, question.scale_of(ask), lang)}"
        for ask in question.asks
        if (reply := question.answer.get(ask)) is not None
    )


def pair_example(scale: Scale) -> dict[str, int]:
    """The example of typing both answers at once: the second level, then the top one."""
    return {"today": scale.values[min(1, len(scale.values) - 1)], "target": scale.top}


def options_hint(question: Question, lang: str) -> str:
    """How to type the card's open answer: one short line."""
    ask = question.awaiting or Ask.CURRENT
    if ask is Ask.IMPORTANCE:
        return t(lang, "options_hint_importance")
    scale = question.scale_of(ask)
    key = "options_hint"
    if ask is Ask.CURRENT and Ask.TARGET in question.asks:
        key = "options_hint_all" if Ask.IMPORTANCE in question.asks else "options_hint_both"
    return t(lang, key, first=scale.bottom, last=scale.top, **pair_example(scale))


def reask_hint(question: Question, lang: str) -> str:
    """`options_hint`, after the row it answers when that is not today's level ("In 12 months?
    Type 1–4 …"): a re-ask's buttons come without the card's row labels."""
    hint = options_hint(question, lang)
    ask = question.awaiting or Ask.CURRENT
    if ask is Ask.CURRENT:
        return hint
    return f"{t(lang, 'row_question', row=t(lang, ROW_KEYS[ask]))} {hint}"


def later_text(prompt: Declined | Paused, lang: str) -> str:
    """The answer to Pause or Not now: how to go on (start, or continue once started)."""
    if isinstance(prompt, Paused):
        return t(lang, "paused")
    return t(lang, "declined_started" if prompt.started else "declined")


def notice_text(notice: Notice, lang: str, area: Area | None = None) -> str:
    name = area.name.get(lang) if area else ""
    return t(lang, f"notice_{notice.value}", area=name, max=MAX_COMMENT_CHARS)


def reask_text(reask: Reask, hint: str, framework: Framework, lang: str) -> str:
    """A short, specific re-ask followed by ``hint``, which says what is valid."""
    if isinstance(reask, WhichArea):
        area = framework.areas[reask.number - 1].name.get(lang)
        return t(lang, "reask_which_area", number=reask.number, area=area)
    if isinstance(reask, Ambiguous):
        names = [f"{lv.value} · {lv.label.get(lang)}" for lv in reask.candidates]
        joined = f" {t(lang, 'or')} ".join(names)
        return t(lang, "reask_ambiguous", text=reask.text[:80], candidates=joined)
    key = "reask_out_of_range" if reask.out_of_range else "reask_unrecognized"
    return f"{t(lang, key, text=reask.text[:80])} {hint}"


def answer_line(area: Area, answer: AreaAnswer, framework: Framework, lang: str) -> str:
    """One area of a person's own answers, today → in 12 months (see `answers_legend`):
    "CX philosophy: 2 · Development → 3 · Maturation"."""
    line = reply_label(answer.current, framework.scale, lang)
    skipped, unsure = answer.current is Mark.SKIPPED, answer.current is Mark.NOT_SURE
    if framework.ask_target and not skipped and not (unsure and answer.target is None):
        line += f" → {reply_label(answer.target, framework.scale, lang)}"
    if framework.ask_importance and not skipped and not (unsure and answer.importance is None):
        label = reply_label(answer.importance, IMPORTANCE_SCALE, lang)
        line += f" · {t(lang, 'importance')} {label}"
    current, target = answer.level(Ask.CURRENT), answer.level(Ask.TARGET)
    if current is not None and target is not None and target < current:
        line += f" · {t(lang, 'target_below')}"
    return f"{area.name.get(lang)}: {line}"


def answers_legend(framework: Framework, lang: str) -> str:
    """How to read `answer_line`: "today → in 12 months" (just "today" without targets)."""
    return t(lang, "answers_legend" if framework.ask_target else "current")


def hour_minute(local: datetime) -> str:
    """A clock time as the messages write it: "9:00", "18:30"."""
    return f"{local.hour}:{local:%M}"


def local_deadline(moment: datetime, tz: str | None, lang: str) -> str:
    """A deadline in the reader's zone: "Mon 30 Nov, 18:00 CET" (UTC when the zone is unknown)."""
    try:
        zone = ZoneInfo(tz) if tz else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return t(
        lang,
        "deadline_format",
        weekday=t(lang, "weekdays").split()[local.weekday()],
        day=local.day,
        month=t(lang, "months").split()[local.month - 1],
        time=hour_minute(local),
        zone=local.tzname() or "UTC",
    )


def reader_time(moment: datetime, lang: str) -> str:
    """A moment every reader of a channel message sees in their own time (Slack's date token;
    the fallback, for clients that cannot show it, in UTC)."""
    fallback = local_deadline(moment, None, lang)
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"
