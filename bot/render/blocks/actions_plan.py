"""Block Kit for the action plan and recurring rounds: the summary's *Make it an action*
buttons, the action form and the new-date form, lists, the due-date DM, the lead's digest, App
Home's actions and a channel's schedule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.analysis import Report
from bot.flows.cadence import Cadence
from bot.i18n import t
from bot.model import Action, Round, Schedule
from bot.render.blocks import clip, escape_mrkdwn, read_id
from bot.render.blocks.dialogue import Message
from bot.render.blocks.modals import date_form
from bot.render.dialogue import reader_time
from bot.schedule import local_time

MAKE_ACTION = "cx_plan_make"
ACTION_DONE = "cx_plan_done"
ACTION_MODAL = "cx_plan_modal"
MAX_EXISTING = 3  # an area's open actions named in the Make-it-an-action form
MOVE_ACTION = "cx_plan_move"
MOVE_MODAL = "cx_plan_move_modal"
CANCEL_SCHEDULE = "cx_schedule_cancel"
DEFAULT_DUE = timedelta(days=30)
MAX_LISTED = 40
WITH_BUTTONS = 10  # actions shown with their buttons: two blocks each


@dataclass(frozen=True)
class Listed:
    """An action as lists show it: with its area's name and whether it is overdue."""

    action: Action
    area: str
    overdue: bool


def make_buttons(report: Report, round_id: int, lang: str, limit: int) -> list[Block]:
    """*Make it an action*: a line saying so, then a button per roadmap item shown, named by
    its area alone (short enough for several to a row on a phone; value: round and area)."""
    return [
        ContextBlock(elements=[MarkdownTextObject(text=t(lang, "plan_make"))]),
        ActionsBlock(
            block_id="cx_plan",
            elements=[
                ButtonElement(
                    text=clip(gap.area.name.get(lang), 75),
                    action_id=f"{MAKE_ACTION}_{position}",
                    value=f"{round_id}|{gap.id}",
                )
                for position, gap in enumerate(report.top_gaps[:limit])
            ],
        ),
    ]


def action_progress(report: Report, lang: str) -> dict[str, str]:
    """Per area with actions since the previous round: "actions done: 2, open: 1"."""
    counts: dict[str, list[int]] = {}
    for note in report.actions:
        counts.setdefault(note.area_id, [0, 0])[0 if note.done else 1] += 1
    return {
        area: t(lang, "plan_progress", done=done, open=open_)
        for area, (done, open_) in counts.items()
    }


def read_make(value: str) -> tuple[int, str] | None:
    """The (round, area) a *Make it an action* button stands for; None when malformed."""
    round_id, _, area_id = value.partition("|")
    try:
        return (read_id(round_id), area_id) if area_id else None
    except ValueError:
        return None


def action_modal(
    area: str,
    suggestion: str,
    lang: str,
    *,
    creator: str,
    today: date,
    metadata: str,
    most: int,
    role: str | None = None,
    existing: Sequence[Action] = (),
) -> View:
    """What (at most ``most`` characters), owner (the creator to begin with; the framework's
    ``role`` for the step as its hint), due date (in a month to begin with); the area's
    ``existing`` open actions named first, so that two people do not add the same one."""
    already = [
        t(
            lang,
            "plan_modal_existing",
            what=escape_mrkdwn(a.what),
            owner=f"<@{a.owner}>",
            due=a.due.isoformat(),
        )
        for a in existing[:MAX_EXISTING]
    ]
    area_line = "\n".join([t(lang, "plan_modal_area", area=escape_mrkdwn(area)), *already])
    return View(
        type="modal",
        callback_id=ACTION_MODAL,
        private_metadata=metadata,
        title=clip(t(lang, "plan_modal_title"), 24),
        submit=clip(t(lang, "plan_modal_save"), 24),
        close=clip(t(lang, "cancel"), 24),
        blocks=[
            _section(area_line),
            InputBlock(
                block_id="what",
                label=t(lang, "plan_modal_what"),
                element=PlainTextInputElement(
                    action_id="value",
                    multiline=True,
                    max_length=most,
                    initial_value=suggestion[:most] or None,
                ),
            ),
            InputBlock(
                block_id="owner",
                label=t(lang, "plan_modal_owner"),
                element=UserSelectElement(action_id="value", initial_user=creator),
                hint=clip(t(lang, "plan_modal_owner_hint", role=role), 2000) if role else None,
            ),
            InputBlock(
                block_id="due",
                label=t(lang, "plan_modal_due"),
                element=DatePickerElement(
                    action_id="value", initial_date=weekday_after(today + DEFAULT_DUE).isoformat()
                ),
            ),
        ],
    )


def _line(item: Listed, lang: str) -> str:
    a = item.action
    what, area, owner = escape_mrkdwn(a.what), escape_mrkdwn(item.area), f"<@{a.owner}>"
    if a.done_at is not None:
        done = a.done_at.date().isoformat()
        return t(lang, "plan_line_done", what=what, area=area, owner=owner, done=done)
    key = "plan_line_overdue" if item.overdue else "plan_line_open"
    return t(lang, key, what=what, area=area, owner=owner, due=a.due.isoformat())


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text)))


def _buttons(action: Action, lang: str) -> ActionsBlock:
    """*Done* and *New date* for an open action (value: its id)."""
    return ActionsBlock(
        elements=[
            ButtonElement(
                text=clip(t(lang, "plan_done"), 75),
                action_id=ACTION_DONE,
                value=str(action.id),
                style="primary",
            ),
            ButtonElement(
                text=clip(t(lang, "plan_move"), 75), action_id=MOVE_ACTION, value=str(action.id)
            ),
        ]
    )


def weekday_after(day: date) -> date:
    """``day``, or the Monday after it when it falls on a weekend (a due date to work to)."""
    return day + timedelta(days=7 - day.weekday()) if day.weekday() >= 5 else day


def move_modal(item: Listed, lang: str, today: date) -> View:
    """The new-date form: the action, and a date picker a week after its due date (after
    ``today``, the opener's, when that has passed): one tap to save a week's delay."""
    a = item.action
    text = t(
        lang, "plan_move_modal_action", what=escape_mrkdwn(a.what),
        area=escape_mrkdwn(item.area), owner=f"<@{a.owner}>", due=a.due.isoformat(),
    )  # fmt: skip
    title, label = t(lang, "plan_move_modal_title"), t(lang, "plan_modal_due")
    start = max(a.due, today) + timedelta(days=7)
    return date_form(MOVE_MODAL, f"{a.id}|{lang}", title, text, label, start, lang)


def channel_list(items: Sequence[Listed], lang: str) -> str:
    """Open actions (by due date), then done ones; the list cut at `MAX_LISTED`."""
    if not items:
        return t(lang, "plan_list_empty")
    lines = [t(lang, "plan_list_title")]
    open_ = [i for i in items if i.action.done_at is None]
    done = [i for i in items if i.action.done_at is not None]
    lines += [_line(i, lang) for i in open_[:MAX_LISTED]]
    if done[: max(0, MAX_LISTED - len(open_))]:
        lines.append(t(lang, "plan_list_done"))
        lines += [_line(i, lang) for i in done[: MAX_LISTED - len(open_)]]
    if len(items) > MAX_LISTED:
        lines.append(t(lang, "plan_list_more", count=len(items) - MAX_LISTED))
    return "\n".join(lines)


def due_reminder(item: Listed, lang: str, *, late: bool) -> Message:
    """To the owner, on the due date (or the first working hours after it, ``late``): the action
    with *Done* and *New date*."""
    a = item.action
    text = t(
        lang, "plan_due_past" if late else "plan_due_today", area=escape_mrkdwn(item.area),
        channel=f"<#{a.channel_id}>", what=escape_mrkdwn(a.what), due=a.due.isoformat(),
    )  # fmt: skip
    return Message.of(text, [_section(text), _buttons(a, lang)])


def digest(items: Sequence[Listed], lang: str) -> Message:
    """To a lead: the overdue actions of their rounds, by channel, the first `WITH_BUTTONS`
    each with *Done* and *New date* (the lead may use both)."""
    title = t(lang, "plan_digest_title", count=len(items))
    lines = [title] + [_listed(i, lang) for i in items[:MAX_LISTED]]
    if len(items) > MAX_LISTED:
        lines.append(t(lang, "plan_list_more", count=len(items) - MAX_LISTED))
    return Message.of("\n".join(lines), [_section(title), *_each_with_buttons(items, lang)])


def home_blocks(items: Sequence[Listed], lang: str) -> list[Block]:
    """App Home's "Your actions": the first `WITH_BUTTONS` open actions, each with *Done* and
    *New date* (nothing when there are none)."""
    if not items:
        return []
    title = _section(f"*{t(lang, 'plan_home_title')}*")
    return [title, *_each_with_buttons(items, lang), DividerBlock()]


def _listed(item: Listed, lang: str) -> str:
    return f"{_line(item, lang)} · <#{item.action.channel_id}>"


def _each_with_buttons(items: Sequence[Listed], lang: str) -> list[Block]:
    """Two blocks per action (the line, its buttons) for the first `WITH_BUTTONS`; how many
    more there are."""
    blocks: list[Block] = []
    for item in items[:WITH_BUTTONS]:
        blocks += [_section(_listed(item, lang)), _buttons(item.action, lang)]
    if len(items) > WITH_BUTTONS:
        more = t(lang, "plan_list_more_channel", count=len(items) - WITH_BUTTONS)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
    return blocks


def cadence_text(cadence: Cadence, lang: str) -> str:
    if cadence.months:
        return t(lang, "cadence_quarter" if cadence.months == 3 else "cadence_month")
    return (
        t(lang, "cadence_weeks", weeks=cadence.weeks)
        if cadence.weeks > 1
        else t(lang, "cadence_week")
    )


def next_run_text(schedule: Schedule, lang: str) -> str:
    """When the next run starts, on the lead's calendar."""
    day = local_time(schedule.next_run, schedule.lead_tz).date().isoformat()
    cadence = cadence_text(Cadence.from_key(schedule.cadence), lang)
    return t(lang, "schedule_set", cadence=cadence, date=day)


def recurring_started_text(schedule: Schedule, round_: Round, asked: date | None, lang: str) -> str:
    """The start reply's lines for a recurring round: when the next run starts and, when the
    lead ``asked`` for no deadline, the one the round got (it closes before the next run)."""
    lines = [next_run_text(schedule, lang)]
    if asked is None and round_.deadline is not None:
        deadline = reader_time(round_.deadline, lang)
        days = schedule.deadline_days
        lines.append(t(lang, "schedule_default_deadline", deadline=deadline, days=days))
    return "\n".join(lines)


def schedule_view(schedule: Schedule, framework: str, lang: str) -> tuple[str, list[Block]]:
    """``/cx-assess schedule``: what repeats, with whom, when next; *Cancel schedule*."""
    people = (
        t(lang, "schedule_people", count=len(schedule.users))
        if schedule.users
        else t(lang, "schedule_members")
    )
    text = "\n".join(
        [
            t(
                lang,
                "schedule_show",
                framework=escape_mrkdwn(framework),
                people=people,
                lead=f"<@{schedule.lead}>",
            ),
            next_run_text(schedule, lang),
        ]
    )
    button = ButtonElement(
        text=clip(t(lang, "schedule_cancel"), 75),
        action_id=CANCEL_SCHEDULE,
        value=schedule.channel_id,
        style="danger",
    )
    return text, [_section(text), ActionsBlock(elements=[button])]
