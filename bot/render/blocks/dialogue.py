"""The DM dialogue in Block Kit: invitation, one question per message, review, profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.answers import AreaAnswer, Ask, Reply
from bot.flows.interview import (
    Answer,
    Back,
    Change,
    Decline,
    Event,
    Finish,
    Finished,
    NotSure,
    Question,
    Review,
    Skip,
    Start,
)
from bot.frameworks import Area, Framework
from bot.i18n import t
from bot.render.blocks import clip, to_dicts
from bot.render.dialogue import answer_line, ask_text, question_title, reply_label

QUESTION_EVENT = "cx_assess_question"


class Action:
    """The ``action_id`` of every interactive element of the dialogue (prefixes for patterns)."""

    START = "cx_start"
    DECLINE = "cx_decline"
    ANSWER = "cx_answer_"  # + level value; the value carries round|area|ask|level
    NOT_SURE = "cx_not_sure"
    SKIP = "cx_skip"
    BACK = "cx_back"
    CHANGE = "cx_change_"  # + area id; the value carries round|area
    FINISH = "cx_finish"
    SNOOZE_HOUR = "cx_snooze_hour"
    SNOOZE_TOMORROW = "cx_snooze_tomorrow"


@dataclass(frozen=True)
class Message:
    """A message to send: fallback text, blocks (validated and serialized), optional metadata."""

    text: str
    blocks: list[dict[str, Any]]
    metadata: dict[str, Any] | None = field(default=None)

    @classmethod
    def of(cls, text: str, blocks: list[Block], metadata: dict[str, Any] | None = None) -> Message:
        """Validate and serialize ``blocks`` once (slack-sdk's models check Slack's limits)."""
        return cls(text, to_dicts(blocks), metadata)


def encode(*parts: object) -> str:
    """A button value: the parts joined by ``|`` (ids never contain it)."""
    return "|".join(str(p) for p in parts)


def decode(value: str) -> list[str]:
    return value.split("|")


def read_action(action_id: str, value: str) -> tuple[int, Event] | None:
    """The round and interview event a dialogue button stands for; None when malformed."""
    parts = decode(value)
    try:
        round_id = int(parts[0])
        if action_id.startswith(Action.ANSWER):
            area_id, ask, level = parts[1], Ask(parts[2]), int(parts[3])
            return round_id, Answer(level, area_id, ask)
        stepwise: dict[str, type[NotSure | Skip | Back]] = {
            Action.NOT_SURE: NotSure,
            Action.SKIP: Skip,
            Action.BACK: Back,
        }
        if action_id in stepwise:
            return round_id, stepwise[action_id](parts[1], Ask(parts[2]))
        if action_id.startswith(Action.CHANGE):
            return round_id, Change(parts[1])
        simple: dict[str, Event] = {
            Action.START: Start(),
            Action.DECLINE: Decline(),
            Action.FINISH: Finish(),
        }
        return (round_id, simple[action_id]) if action_id in simple else None
    except (ValueError, IndexError):
        return None


def _button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=clip(text, 75), action_id=action_id, value=value, style=style)


def snooze_buttons(round_id: int, lang: str) -> list[ButtonElement]:
    """*In 1 hour* and *Tomorrow, 9:00*: the clock reminds the person then."""
    return [
        _button(t(lang, "snooze_hour"), Action.SNOOZE_HOUR, encode(round_id)),
        _button(t(lang, "snooze_tomorrow"), Action.SNOOZE_TOMORROW, encode(round_id)),
    ]


def invitation(
    framework: Framework,
    lang: str,
    *,
    round_id: int,
    starter: str,
    channel: str,
    deadline: str | None,
) -> Message:
    """Who invites, from which channel, how many questions, until when; Start / Not now."""
    text = t(
        lang,
        "invite_text",
        starter=f"<@{starter}>",
        channel=f"<#{channel}>",
        framework=framework.name.get(lang),
        areas=len(framework.areas),
    )
    details = [framework.description.get(lang)]
    if deadline:
        details.append(t(lang, "invite_deadline", deadline=deadline))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip(text))),
        ContextBlock(elements=[MarkdownTextObject(text=clip(" · ".join(details), 2000))]),
        ActionsBlock(
            elements=[
                _button(t(lang, "start"), Action.START, encode(round_id), "primary"),
                *snooze_buttons(round_id, lang),
                _button(t(lang, "not_now"), Action.DECLINE, encode(round_id)),
            ]
        ),
    ]
    return Message.of(text, blocks)


def question(q: Question, lang: str, *, round_id: int, channel_name: str) -> Message:
    """One question: area, question, what each level looks like there, a button per level."""
    title = question_title(q, lang)
    blocks: list[Block] = [
        HeaderBlock(text=clip(q.area.name.get(lang), 150)),
        SectionBlock(text=MarkdownTextObject(text=clip(f"*{ask_text(q, lang)}*"))),
    ]
    if q.ask is not Ask.IMPORTANCE:
        lines = [
            f"*{level.value} · {level.label.get(lang)}*: {q.area.levels[level.value].get(lang)}"
            for level in q.scale.levels
        ]
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines)))))
    buttons = [
        _button(
            f"{level.value} · {level.label.get(lang)}",
            f"{Action.ANSWER}{level.value}",
            encode(round_id, q.area.id, q.ask.value, level.value),
            "primary" if q.previous == level.value else None,
        )
        for level in q.scale.levels
    ]
    step = encode(round_id, q.area.id, q.ask.value)
    buttons += [
        _button(t(lang, "not_sure"), Action.NOT_SURE, step),
        _button(t(lang, "back"), Action.BACK, step),
        _button(t(lang, "skip"), Action.SKIP, step),
    ]
    blocks.append(ActionsBlock(block_id=f"q|{q.area.id}|{q.ask.value}", elements=buttons))
    context = [title, channel_name, t(lang, "type_hint")]
    if q.previous is not None:
        context.insert(1, t(lang, "previous_answer", answer=reply_label(q.previous, q.scale, lang)))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(" · ".join(context), 2000))]))
    index, total = q.progress
    metadata = {
        "event_type": QUESTION_EVENT,
        "event_payload": {
            "round_id": round_id,
            "area_id": q.area.id,
            "ask": q.ask.value,
            "index": index,
            "total": total,
        },
    }
    return Message.of(f"{title}: {ask_text(q, lang)}", blocks, metadata)


def answered(q: Question, reply: Reply | None, lang: str) -> Message:
    """The question message after the answer: the choice instead of the buttons."""
    choice = t(lang, "your_answer", answer=reply_label(reply, q.scale, lang))
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(
                    f"*{q.area.name.get(lang)}* · {ask_text(q, lang)}\n:white_check_mark: {choice}"
                )
            )
        ),
        ContextBlock(elements=[MarkdownTextObject(text=question_title(q, lang))]),
    ]
    return Message.of(f"{q.area.name.get(lang)}: {choice}", blocks)


def review(prompt: Review, framework: Framework, lang: str, *, round_id: int) -> Message:
    """Every answer with a Change button, and Submit."""
    blocks = [
        HeaderBlock(text=clip(t(lang, "review_title"), 150)),
        *_answer_rows(prompt.answers, framework, lang, round_id),
    ]
    if prompt.unanswered:
        names = ", ".join(framework.area(a).name.get(lang) for a in prompt.unanswered)
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(text=clip(t(lang, "review_missing", areas=names), 2000))
                ]
            )
        )
    blocks.append(
        ActionsBlock(
            elements=[_button(t(lang, "submit"), Action.FINISH, encode(round_id), "primary")]
        )
    )
    return Message.of(t(lang, "review_title"), blocks)


def finished(prompt: Finished, framework: Framework, lang: str, *, round_id: int) -> Message:
    """Thanks, and the person's own profile with Change buttons (until the round closes)."""
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=t(lang, "finished"))),
        DividerBlock(),
        *_answer_rows(prompt.answers, framework, lang, round_id),
    ]
    return Message.of(t(lang, "finished"), blocks)


def _answer_rows(
    answers: tuple[tuple[Area, AreaAnswer], ...], framework: Framework, lang: str, round_id: int
) -> list[Block]:
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(f"*{n}.* {answer_line(area, answer, framework, lang)}")
            ),
            accessory=_button(
                t(lang, "change"), f"{Action.CHANGE}{area.id}", encode(round_id, area.id)
            ),
        )
        for n, (area, answer) in enumerate(answers, 1)
    ]


def reminder(text: str, lang: str, *, round_id: int) -> Message:
    """A reminder with a Continue button that shows the pending question again."""
    return Message.of(
        text,
        [
            SectionBlock(
                text=MarkdownTextObject(text=clip(text)),
                accessory=_button(
                    t(lang, "home_continue"), Action.START, encode(round_id), "primary"
                ),
            )
        ],
    )


def note(text: str) -> Message:
    """A one-line message (declined, paused, closed, a notice, a re-ask)."""
    return Message.of(text, [SectionBlock(text=MarkdownTextObject(text=clip(text)))])
