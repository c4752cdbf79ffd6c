"""The DM dialogue in Block Kit: invitation, one card per area, review, thanks, re-asks."""

from __future__ import annotations

import math
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
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.analysis import Feedback
from bot.answers import AreaAnswer, Ask, Mark, Reply
from bot.flows.interview import (
    Answer,
    Back,
    Change,
    Decline,
    Event,
    Finish,
    Finished,
    NotSure,
    Pause,
    Question,
    Review,
    Skip,
    Start,
)
from bot.frameworks import Area, Framework
from bot.i18n import t
from bot.model import followup_number
from bot.render.blocks import clip, read_id, to_dicts
from bot.render.blocks.delphi import feedback_blocks
from bot.render.dialogue import (
    ROW_KEYS,
    answer_line,
    answers_legend,
    level_lines,
    pair_example,
    question_title,
    reply_label,
)

QUESTION_EVENT = "cx_assess_question"


class Action:
    """The ``action_id`` of every interactive element of the dialogue (prefixes for patterns)."""

    START = "cx_start"
    DECLINE = "cx_decline"
    ANSWER = "cx_answer_"  # + level value; the value carries round|area|ask|level
    NOT_SURE = "cx_not_sure"  # the value carries round|area|ask
    SKIP = "cx_skip"  # Skip, or Next on a complete card; the value carries round|area
    BACK = "cx_back"  # the value carries round|area
    PAUSE = "cx_pause"
    DETAILS = "cx_details"  # opens the area's full level descriptions; round|area
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
        round_id = read_id(parts[0])
        if action_id.startswith(Action.ANSWER):
            area_id, ask, level = parts[1], Ask(parts[2]), int(parts[3])
            return round_id, Answer(level, area_id, ask)
        if action_id == Action.NOT_SURE:
            return round_id, NotSure(parts[1], Ask(parts[2]))
        if action_id == Action.SKIP:
            return round_id, Skip(parts[1])
        if action_id == Action.BACK:
            return round_id, Back(parts[1])
        if action_id.startswith(Action.CHANGE):
            return round_id, Change(parts[1])
        simple: dict[str, Event] = {
            Action.START: Start(),
            Action.DECLINE: Decline(),
            Action.FINISH: Finish(),
            Action.PAUSE: Pause(),
        }
        return (round_id, simple[action_id]) if action_id in simple else None
    except (ValueError, IndexError):
        return None


def read_details(value: str) -> tuple[int, str] | None:
    """The round and area of a *Details* button; None when malformed."""
    parts = decode(value)
    try:
        return read_id(parts[0]), parts[1]
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


def _section(text: str) -> SectionBlock:
    """A section that never folds behind "See more" on a phone."""
    return SectionBlock(text=MarkdownTextObject(text=clip(text)), expand=True)


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, 2000))])


INVITE_ACTIONS = "cx_invite"  # the invitation's button row (Start, Not now, and more to come)


def invitation_buttons(lang: str, round_id: int) -> list[ButtonElement]:
    """The invitation's buttons, in order."""
    return [
        _button(t(lang, "start"), Action.START, encode(round_id), "primary"),
        *snooze_buttons(round_id, lang),
        _button(t(lang, "not_now"), Action.DECLINE, encode(round_id)),
    ]


SECONDS_PER_CARD = 30  # reading a card and tapping its rows, on a phone


def minutes_for(framework: Framework) -> int:
    """About how long the whole assessment takes, in whole minutes (at least 2)."""
    return max(2, minutes_for_cards(len(framework.areas)))


def minutes_for_cards(cards: int) -> int:
    """About how long ``cards`` cards take, in whole minutes (at least 1)."""
    return max(1, math.ceil(cards * SECONDS_PER_CARD / 60))


def reminder_text(text: str, framework: Framework, answered: int, lang: str) -> str:
    """A reminder's ``text`` and how much is left to a person who has ``answered`` areas."""
    left = len(framework.areas) - answered
    if left <= 0:
        return text  # only the review is left
    total, minutes = len(framework.areas), minutes_for_cards(left)
    key = "reminder_left" if answered else "reminder_all"  # not started: all of them
    return f"{text} {t(lang, key, left=left, total=total, count=minutes)}"


def invitation(
    framework: Framework,
    lang: str,
    *,
    round_id: int,
    starter: str,
    channel: str,
    deadline: str | None,
    started: bool = False,
    iteration: int = 1,
    group: bool = False,
) -> Message:
    """Who invites, from which channel, why, until when, and how to answer (said once here);
    once ``started``, the buttons give way to a short line and everything else stays. A
    follow-up's says its cards show how the group answered only when they will (``group``)."""
    followup = "invite_followup_text" if group else "invite_followup_text_own"
    text = t(
        lang,
        followup if iteration > 1 else "invite_text",
        followup=followup_number(iteration),
        starter=f"<@{starter}>",
        channel=f"<#{channel}>",
        framework=framework.name.get(lang),
        areas=len(framework.areas),
        count=len(framework.areas),  # a follow-up of one area says so
        minutes=minutes_for(framework),
    )
    # A follow-up goes to people who have just done the assessment: when it ends, not what it is.
    details = [framework.description.get(lang)] if iteration == 1 else []
    if deadline:
        details.append(t(lang, "invite_deadline", deadline=deadline))
    elif iteration > 1:
        details.append(t(lang, "invite_open_until_closed", starter=f"<@{starter}>"))
    blocks: list[Block] = [_section(text), _context(" · ".join(details))]
    if started:
        blocks.append(_context(t(lang, "started")))
    else:
        hint = "type_hint_all" if framework.ask_importance else "type_hint"
        hint = "type_hint_followup" if iteration > 1 else hint  # a follow-up: today only
        blocks.append(_context(t(lang, hint, **pair_example(framework.scale))))
        blocks.append(
            ActionsBlock(block_id=INVITE_ACTIONS, elements=invitation_buttons(lang, round_id))
        )
    return Message.of(text, blocks)


def card(
    q: Question,
    lang: str,
    *,
    round_id: int,
    feedback: Feedback | None = None,
    discussion: str | None = None,
) -> Message:
    """One area: its question, a line per level, a row of buttons per question (current,
    target, importance), chosen ones highlighted, and the navigation row apart; in a Delphi
    follow-up (``feedback``) also the previous iteration's answers, and *Keep*."""
    blocks: list[Block] = [
        HeaderBlock(text=clip(question_title(q, lang), 150)),
        _section("\n".join([q.area.question.get(lang), *level_lines(q, lang)])),
    ]
    if feedback is not None:
        blocks += feedback_blocks(feedback, q.scale, lang, (str(round_id), q.area.id), discussion)
    for ask in q.asks:
        reply = q.answer.get(ask)
        label = f"*{t(lang, ROW_KEYS[ask])}*"
        if reply is not None:
            label += f"  {_mark(reply)} {reply_label(reply, q.scale_of(ask), lang)}"
        blocks.append(_section(label))
        blocks.append(
            ActionsBlock(
                block_id=f"q|{q.area.id}|{ask.value}", elements=_row(q, ask, lang, round_id)
            )
        )
    if q.target_below_current:
        blocks.append(_context(t(lang, "target_below")))
    where = encode(round_id, q.area.id)
    navigation = [
        _button(t(lang, "details"), Action.DETAILS, where),
        *([_button(t(lang, "back"), Action.BACK, where)] if q.index else []),  # none before 1
        _button(t(lang, "next" if q.complete else "skip"), Action.SKIP, where),
        _button(t(lang, "pause"), Action.PAUSE, encode(round_id)),
    ]
    blocks.append(ActionsBlock(block_id=f"nav|{q.area.id}", elements=navigation))
    index, total = q.progress
    payload: dict[str, object] = {
        "round_id": round_id,
        "area_id": q.area.id,
        "index": index,
        "total": total,
    }
    if feedback is not None:
        payload |= {"followup_of": feedback.followup_of, "iteration": feedback.iteration}
    metadata = {"event_type": QUESTION_EVENT, "event_payload": payload}
    return Message.of(f"{question_title(q, lang)}: {q.area.question.get(lang)}", blocks, metadata)


def _row(
    q: Question, ask: Ask, lang: str, round_id: int, *, compact: bool = True
) -> list[ButtonElement]:
    """One button per level of ``ask``'s scale (and Not sure for today's level): just the
    number on the card, whose level lines name each level; number and name on a re-ask, and
    for importance, whose levels the card does not describe (its 1 is not the scale's 1)."""
    chosen = q.answer.get(ask)
    named = not compact or ask is Ask.IMPORTANCE
    buttons = [
        _button(
            f"{level.value} · {level.label.get(lang)}" if named else str(level.value),
            f"{Action.ANSWER}{level.value}",
            encode(round_id, q.area.id, ask.value, level.value),
            "primary" if chosen == level.value else None,
        )
        for level in q.scale_of(ask).levels
    ]
    if ask is Ask.CURRENT:
        buttons.append(
            _button(
                t(lang, "not_sure"),
                Action.NOT_SURE,
                encode(round_id, q.area.id, ask.value),
                "primary" if chosen is Mark.NOT_SURE else None,
            )
        )
    return buttons


def answered(area: Area, answer: AreaAnswer, framework: Framework, lang: str) -> Message:
    """A card once the person moved on: what was answered, without the buttons."""
    line = answer_line(area, answer, framework, lang)
    progress = t(
        lang, "progress", index=framework.areas.index(area) + 1, total=len(framework.areas)
    )
    legend = answers_legend(framework, lang)
    blocks: list[Block] = [
        _section(f"{_mark(answer.current)} {line}"),
        _context(f"{progress} · {legend}"),
    ]
    return Message.of(line, blocks)


def _mark(reply: Reply | None) -> str:
    """The emoji before an answer: a skip is passed over, not done."""
    return ":fast_forward:" if reply is Mark.SKIPPED else ":white_check_mark:"


def details(area: Area, framework: Framework, lang: str) -> View:
    """The modal behind *Details*: every level of the area in full, under the area's name (a
    modal title holds only 24 characters, so the title just says "Levels")."""
    lines = [
        f"*{level.value} · {level.label.get(lang)}*\n{area.levels[level.value].get(lang)}"
        for level in framework.scale.levels
    ]
    return View(
        type="modal",
        title=PlainTextObject(text=clip(t(lang, "details_title"), 24)),
        close=PlainTextObject(text=clip(t(lang, "close_details"), 24)),
        blocks=[
            HeaderBlock(text=clip(area.name.get(lang), 150)),
            _section(area.question.get(lang)),
            DividerBlock(),
            *(_section(x) for x in lines),
        ],
    )


def review(prompt: Review, framework: Framework, lang: str, *, round_id: int) -> Message:
    """Every answer with a Change button, and Submit."""
    blocks: list[Block] = [
        HeaderBlock(text=clip(t(lang, "review_title"), 150)),
        _context(answers_legend(framework, lang)),
        *_answer_rows(prompt.answers, framework, lang, round_id),
    ]
    if prompt.unanswered:
        names = ", ".join(framework.area(a).name.get(lang) for a in prompt.unanswered)
        blocks.append(_context(t(lang, "review_missing", areas=names)))
    blocks.append(ActionsBlock(elements=[submit_button(lang, round_id)]))
    return Message.of(t(lang, "review_title"), blocks)


def finished(prompt: Finished, framework: Framework, lang: str, *, round_id: int) -> Message:
    """Thanks, and the person's own answers with Change buttons (until the round closes)."""
    blocks: list[Block] = [
        _section(t(lang, "finished")),
        _context(answers_legend(framework, lang)),
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
            expand=True,
            accessory=change_button(area, lang, round_id),
        )
        for n, (area, answer) in enumerate(answers, 1)
    ]


def change_button(area: Area, lang: str, round_id: int) -> ButtonElement:
    return _button(t(lang, "change"), f"{Action.CHANGE}{area.id}", encode(round_id, area.id))


def submit_button(lang: str, round_id: int) -> ButtonElement:
    return _button(t(lang, "submit"), Action.FINISH, encode(round_id), "primary")


def level_buttons(
    q: Question, lang: str, round_id: int, only: tuple[int, ...] | None = None
) -> list[ButtonElement]:
    """The buttons of the card's open question (all levels, or ``only`` these), for a re-ask."""
    ask = q.awaiting or Ask.CURRENT
    row = _row(q, ask, lang, round_id, compact=False)
    if only is None:
        return row
    return [b for b in row if b.value is not None and decode(b.value)[-1] in {str(v) for v in only}]


def reask(text: str, buttons: list[ButtonElement]) -> Message:
    """A one-line re-ask with the buttons that answer it."""
    blocks: list[Block] = [_section(text)]
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    return Message.of(text, blocks)


def reminder(text: str, lang: str, *, round_id: int, started: bool) -> Message:
    """A reminder, or a paused or declined dialogue: how to go on now (Continue, or Start for
    someone who has not started), or when to be reminded (again)."""
    go_on = t(lang, "home_continue" if started else "start")
    buttons = [_button(go_on, Action.START, encode(round_id), "primary")]
    return Message.of(
        text,
        [
            SectionBlock(text=MarkdownTextObject(text=clip(text))),
            ActionsBlock(elements=[*buttons, *snooze_buttons(round_id, lang)]),
        ],
    )


def note(text: str) -> Message:
    """A one-line message (declined, paused, closed, a notice)."""
    return Message.of(text, [_section(text)])
