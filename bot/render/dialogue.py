"""The sentences of the dialogue, shared by the terminal and the Slack renderers."""

from __future__ import annotations

from bot.answers import AreaAnswer, Ask, Mark, Reply
from bot.flows.interview import IMPORTANCE_SCALE, MAX_COMMENT_CHARS, Notice, Question
from bot.flows.parser import Ambiguous, Reask
from bot.frameworks import Area, Framework, Scale
from bot.i18n import t

ASK_KEYS = {Ask.CURRENT: "ask_current", Ask.TARGET: "ask_target", Ask.IMPORTANCE: "ask_importance"}


def reply_label(reply: Reply | None, scale: Scale, lang: str) -> str:
    """A reply as a person reads it: "3 · Maturation", "Not sure", "Skipped" or "—"."""
    if reply is None:
        return t(lang, "unanswered")
    if isinstance(reply, Mark):
        return t(lang, "not_sure" if reply is Mark.NOT_SURE else "skipped")
    return f"{reply} · {scale.level(reply).label.get(lang)}"


def question_title(question: Question, lang: str) -> str:
    """E.g. "Area 4 of 12 · Knowledge management"."""
    index, total = question.progress
    return f"{t(lang, 'progress', index=index, total=total)} · {question.area.name.get(lang)}"


def ask_text(question: Question, lang: str) -> str:
    """The area's own question for the current level; a generic one for target and importance."""
    if question.ask is Ask.CURRENT:
        return question.area.question.get(lang)
    return t(lang, ASK_KEYS[question.ask])


def options_hint(scale: Scale, lang: str) -> str:
    labels = ", ".join(level.label.get(lang) for level in scale.levels)
    return t(lang, "options_hint", first=scale.bottom, last=scale.top, labels=labels)


def notice_text(notice: Notice, lang: str, area: Area | None = None) -> str:
    name = area.name.get(lang) if area else ""
    return t(lang, f"notice_{notice.value}", area=name, max=MAX_COMMENT_CHARS)


def reask_text(reask: Reask, hint: str, lang: str) -> str:
    """A polite, specific re-ask followed by ``hint``, which says what is valid."""
    if isinstance(reask, Ambiguous):
        names = [f"{lv.value} · {lv.label.get(lang)}" for lv in reask.candidates]
        joined = f" {t(lang, 'or')} ".join(names)
        return t(lang, "reask_ambiguous", text=reask.text, candidates=joined)
    key = "reask_out_of_range" if reask.out_of_range else "reask_unrecognized"
    return f"{t(lang, key, text=reask.text[:80])} {hint}"


def answer_line(area: Area, answer: AreaAnswer, framework: Framework, lang: str) -> str:
    """One area of a person's own answers: "CX philosophy: current 2 · …, target 3 · …"."""
    parts = [f"{t(lang, 'current')} {reply_label(answer.current, framework.scale, lang)}"]
    if framework.ask_target:
        parts.append(f"{t(lang, 'target')} {reply_label(answer.target, framework.scale, lang)}")
    if framework.ask_importance:
        label = reply_label(answer.importance, IMPORTANCE_SCALE, lang)
        parts.append(f"{t(lang, 'importance')} {label}")
    return f"{area.name.get(lang)}: {', '.join(parts)}"
