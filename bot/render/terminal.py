"""The dialogue as plain text for `cx-assess chat`."""

from __future__ import annotations

from bot.answers import Ask
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
    answer_line,
    ask_text,
    options_hint,
    question_title,
    reply_label,
)


def render_prompt(prompt: Prompt, framework: Framework, lang: str) -> str:
    """The text to print for ``prompt``."""
    if isinstance(prompt, Question):
        return _question(prompt, lang)
    if isinstance(prompt, Invitation):
        name = framework.name.get(lang)
        return f"{t(lang, 'welcome', framework=name, areas=prompt.areas)}\n{t(lang, 'start_hint')}"
    if isinstance(prompt, Review):
        lines = [t(lang, "review_title")]
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
        lines = [t(lang, "finished"), "", t(lang, "profile_title")]
        lines += [
            f"  {answer_line(area, answer, framework, lang)}" for area, answer in prompt.answers
        ]
        return "\n".join(lines)
    if isinstance(prompt, Declined):
        return t(lang, "declined")
    if isinstance(prompt, Paused):
        return t(lang, "paused")
    assert isinstance(prompt, Closed)
    return t(lang, "closed")


def _question(q: Question, lang: str) -> str:
    lines = ["", question_title(q, lang), ask_text(q, lang)]
    details = q.ask is Ask.CURRENT  # the target repeats the same levels: labels are enough
    for level in q.scale.levels:
        detail = f": {q.area.levels[level.value].get(lang)}" if details else ""
        lines.append(f"  {level.value}  {level.label.get(lang)}{detail}")
    if q.previous is not None:
        lines.append(t(lang, "previous_answer", answer=reply_label(q.previous, q.scale, lang)))
    lines.append(options_hint(q.scale, lang))
    return "\n".join(lines)
