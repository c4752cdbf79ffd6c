"""Block Kit for nudges: the lead's "everyone finished" and close warnings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject
from slack_sdk.models.views import View

from bot.frameworks import Area
from bot.i18n import t
from bot.model import Reminded, Round, Snoozed
from bot.render.blocks import clip
from bot.render.blocks.dialogue import Message, encode
from bot.render.blocks.home import HOME_REMIND
from bot.render.blocks.modals import date_form
from bot.render.dialogue import hour_minute, local_deadline
from bot.schedule import local_time

CLOSE_NOW = "cx_close_now"  # value: the round and the withheld areas the lead was told of
CLOSE_ANYWAY = "cx_close_anyway"  # the warning's button: closes even though areas are withheld
MORE_TIME = "cx_more_time"  # the last-day DM's button: a form to move the deadline (value: round)
MORE_TIME_MODAL = "cx_more_time_modal"  # private_metadata: round|language
MORE_TIME_DAYS = 7  # the form's date, after the current deadline: one tap gives a week


def _button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=clip(text, 75), action_id=action_id, value=value, style=style)


def all_done(
    round_: Round,
    finished: int,
    invited: int,
    withheld: tuple[Area, ...],
    lang: str,
    tz: str | None = None,
) -> Message:
    """To the lead: everyone has finished, when the round closes by itself (in the lead's zone
    ``tz``; without a deadline it stays open until the lead closes it, and the text says so),
    which areas would be withheld; *Close now* closes without asking again while just those
    are withheld (a warning first when that changed)."""
    deadline = local_deadline(round_.deadline, tz, lang) if round_.deadline else None
    lines = [
        t(
            lang,
            "all_done" if deadline else "all_done_open",
            framework=round_.framework.name.get(lang),
            channel=f"<#{round_.channel_id}>",
            finished=finished,
            invited=invited,
            deadline=deadline,
        )
    ]
    if withheld:
        names = ", ".join(a.name.get(lang) for a in withheld)
        lines.append(t(lang, "all_done_withheld", count=len(withheld), areas=names))
    text = "\n".join(lines)
    value = encode(round_.id, *(a.id for a in withheld))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip(text))),
        ActionsBlock(elements=[_button(t(lang, "close_now"), CLOSE_NOW, value, "primary")]),
    ]
    return Message.of(text, blocks)


NAMED_WAITING = 10  # people named as not finished yet in the lead's last-day DM


def closing_soon(
    round_: Round,
    waiting: Sequence[str],
    finished: int,
    invited: int,
    lang: str,
    tz: str | None,
    *,
    latest: date | None = None,
) -> Message:
    """To the lead, on the last day: when the round closes (their zone), how many have
    ``finished`` and who has not (``waiting``, user ids, the first `NAMED_WAITING`; what `status`
    shows, nothing about answers), *Remind*, and *More time* unless the channel's next run
    starts the day after (``latest``, the last day it may move to, is not later than today)."""
    closes = local_time(round_.deadline, tz).date() if round_.deadline else None
    movable = latest is None or closes is None or latest > closes
    text = t(
        lang, "closing_soon" if movable else "closing_soon_next_run",
        framework=round_.framework.name.get(lang),
        channel=f"<#{round_.channel_id}>", finished=finished, invited=invited,
        deadline=local_deadline(round_.deadline, tz, lang) if round_.deadline else "",
    )  # fmt: skip
    named = ", ".join(f"<@{user}>" for user in waiting[:NAMED_WAITING])
    more = len(waiting) - NAMED_WAITING
    text += "\n" + (
        t(lang, "closing_soon_waiting_more", names=named, more=more)
        if more > 0
        else t(lang, "closing_soon_waiting", names=named)
    )
    buttons = [_button(t(lang, "home_remind"), HOME_REMIND, str(round_.id), "primary")]
    if movable:
        buttons.append(_button(t(lang, "more_time"), MORE_TIME, str(round_.id)))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip(text))),
        ActionsBlock(elements=buttons),
    ]
    return Message.of(text, blocks)


def more_time_modal(
    round_: Round, lang: str, today: date, tz: str | None, latest: date | None, lead: str | None
) -> View:
    """The form for a new deadline: the round, and a date picker `MORE_TIME_DAYS` after its
    deadline (after ``today`` when that has passed; not after ``latest``), all in the lead's
    zone ``tz``; ``lead`` named when someone else (an admin) opens it."""
    key = "more_time_text_of" if lead else "more_time_text"
    text = t(
        lang, key, framework=round_.framework.name.get(lang), channel=f"<#{round_.channel_id}>",
        lead=f"<@{lead}>",
    )  # fmt: skip
    closes = local_time(round_.deadline, tz).date() if round_.deadline else today
    start = max(closes, today) + timedelta(days=MORE_TIME_DAYS)
    if latest is not None:
        start = max(min(start, latest), today)
    title, label = t(lang, "more_time_title"), t(lang, "modal_deadline")
    return date_form(MORE_TIME_MODAL, f"{round_.id}|{lang}", title, text, label, start, lang)


def withhold_warning(
    round_id: int, areas: tuple[str, ...], overall: bool, everyone_done: bool, lang: str
) -> Message:
    """Before closing: which areas would be withheld; *Close anyway*, or wait for more
    answers (advice given only while someone has not finished)."""
    lines = [t(lang, "close_would_withhold")]
    if areas:
        lines.append(t(lang, "withheld_areas", count=len(areas), areas=", ".join(areas)))
    if overall:
        lines.append(t(lang, "withheld_overall"))
    lines.append(t(lang, "close_everyone_done" if everyone_done else "close_or_wait"))
    text = "\n".join(lines)
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip(text))),
        ActionsBlock(
            elements=[_button(t(lang, "close_anyway"), CLOSE_ANYWAY, encode(round_id), "danger")]
        ),
    ]
    return Message.of(text, blocks)


def snoozed(snooze: Snoozed, now: datetime, tz: str | None, lang: str) -> Message:
    """The answer to a snooze: when the reminder will come, in the person's own time (and
    why earlier than asked, when the round closes first)."""
    local, today = local_time(snooze.until, tz), local_time(now, tz)
    key = "snooze_at" if local.date() == today.date() else "snooze_at_tomorrow"
    when = t(lang, key, time=f"{hour_minute(local)} {local:%Z}".strip())
    if snooze.closes is None:
        text = t(lang, "snooze_set", when=when)
    else:
        text = t(lang, "snooze_capped", when=when, deadline=local_deadline(snooze.closes, tz, lang))
    return Message.of(text, [SectionBlock(text=MarkdownTextObject(text=text))])


def reminded(result: Reminded, lang: str) -> str:
    """The lead's answer to remind: how many were reminded, how many were left out for having
    been reminded within the hour, who asked to be reminded later (until when, their time) and
    who said not now."""
    lines = [t(lang, "reminded", count=result.count)]
    if result.recent:
        lines.append(t(lang, "reminded_recently", count=result.recent))
    for person in result.snoozed:
        if person.snooze_until is not None:
            when = local_deadline(person.snooze_until, person.tz, lang)
            lines.append(t(lang, "reminded_snoozed", person=f"<@{person.user_id}>", when=when))
    lines += [t(lang, "reminded_not_now", person=f"<@{p.user_id}>") for p in result.not_now]
    return "\n".join(lines)
