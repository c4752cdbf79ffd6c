"""Block Kit for nudges: later/snoozed notes, the lead's "everyone finished" and close warnings."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, SectionBlock
from slack_sdk.models.blocks.basic_components import MarkdownTextObject

from bot.i18n import t
from bot.model import Round
from bot.render.blocks import clip
from bot.render.blocks.dialogue import Action, Message, encode, snooze_buttons
from bot.schedule import local_time

CLOSE_NOW = "cx_close_now"


def _button(text: str, action_id: str, value: str, style: str | None = None) -> ButtonElement:
    return ButtonElement(text=clip(text, 75), action_id=action_id, value=value, style=style)


def later(text: str, lang: str, *, round_id: int) -> Message:
    """A paused or declined dialogue: how to go on now, or when to be reminded."""
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip(text))),
        ActionsBlock(
            elements=[
                _button(t(lang, "home_continue"), Action.START, encode(round_id), "primary"),
                *snooze_buttons(round_id, lang),
            ]
        ),
    ]
    return Message.of(text, blocks)


def all_done(round_: Round, finished: int, invited: int, lang: str) -> Message:
    """To the lead: everyone has finished; *Close now* posts the summary."""
    text = t(
        lang,
        "all_done",
        framework=round_.framework.name.get(lang),
        channel=f"<#{round_.channel_id}>",
        finished=finished,
        invited=invited,
    )
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(text=clip(text)),
            accessory=_button(t(lang, "close_now"), CLOSE_NOW, encode(round_.id), "primary"),
        )
    ]
    return Message.of(text, blocks)


def withhold_warning(round_id: int, areas: tuple[str, ...], overall: bool, lang: str) -> Message:
    """Before closing: which areas would show counts only; *Close anyway*, or simply wait."""
    lines = [t(lang, "close_would_withhold")]
    if areas:
        lines.append(t(lang, "withheld_areas", count=len(areas), areas=", ".join(areas)))
    if overall:
        lines.append(t(lang, "withheld_overall"))
    lines.append(t(lang, "close_or_wait"))
    text = "\n".join(lines)
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip(text))),
        ActionsBlock(
            elements=[_button(t(lang, "close_anyway"), CLOSE_NOW, encode(round_id), "danger")]
        ),
    ]
    return Message.of(text, blocks)


def snoozed(until: datetime, now: datetime, tz: str | None, lang: str) -> Message:
    """The answer to a snooze: when the reminder will come, in the person's own time."""
    local, today = local_time(until, tz), local_time(now, tz)
    key = "snooze_at" if local.date() == today.date() else "snooze_at_tomorrow"
    when = t(lang, key, time=f"{local:%H:%M} {local:%Z}".strip())
    text = t(lang, "snooze_set", when=when)
    return Message.of(text, [SectionBlock(text=MarkdownTextObject(text=text))])
