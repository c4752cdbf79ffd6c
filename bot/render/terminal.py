"""The dialogue as plain text for `cx-assess chat`."""

from __future__ import annotations

from bot.flows.interview import (
    Closed,
    Declined,
    Finished,
    Invitation,
    Paused,
    Prompt,
    Question,
    Review,
)
from bot.frameworks import Framework
from bot.i18n import t
from bot.render.dialogue import (
    ROW_KEYS,
    answer_line,
    answers_legend,
    given_line,
    options_hint,
    question_title,
)


def render_prompt(prompt: Prompt, framework: Framework, lang: str) -> str:
    """The text to print for ``prompt`` (a card in full)."""
    if isinstance(prompt, Question):
        return _question(prompt, lang)
    if isinstance(prompt, Invitation):
        name = framework.name.get(lang)
        return f"{t(lang, 'welcome', framework=name, areas=prompt.areas)}\n{t(lang, 'start_hint')}"
    if isinstance(prompt, Review):
        lines = [f"{t(lang, 'review_title')} ({answers_legend(framework, lang)})"]
        lines += [
            f"  {n}. {answer_line(area, answer, framework, lang)}"
            for n, (area, answer) in enumerate(prompt.answers, 1)
        ]
        if prompt.unanswered:
            names = ", ".join(framework.area(a).name.get(lang) for a in prompt.unanswered)
            lines.append(t(lang, "review_missing", areas=names))
        lines.append(t(lang, "review_hint"))
        return "\n".join(lines)
    if isinstance(prompt, Finished):
        legend = answers_legend(framework, lang)
        lines = [t(lang, "finished"), "", f"{t(lang, 'profile_title')} ({legend})"]
        lines += [
            f"  {answer_line(area, answer, framework, lang)}" for area, answer in prompt.answers
        ]
        return "\n".join(lines)
    if isinstance(prompt, Paused | Declined):  # no reminders here: how to go on follows
        return t(lang, "paused_terminal")
    assert isinstance(prompt, Closed)
    return t(lang, "closed")


def _question(q: Question, lang: str) -> str:
    lines = ["", question_title(q, lang), q.area.question.get(lang)]
    for level in q.scale.levels:
        lines.append(
            f"  {level.value}  {level.label.get(lang)}: {q.area.brief(level.value).get(lang)}"
        )
    return "\n".join([*lines, follow_up(q, lang)])


def follow_up(q: Question, lang: str) -> str:
    """The card's open question as one line (after the card, or after each answer on it)."""
    given = given_line(q, lang)
    if q.awaiting is None:
        return f"{given}. {t(lang, 'card_complete_hint')}"
    asking = f"{t(lang, 'row_question', row=t(lang, ROW_KEYS[q.awaiting]))} {options_hint(q, lang)}"
    return f"{given}. {asking}" if given else asking
