"""App Home: pending assessments, rounds the person leads, recent summaries."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import t
from bot.render.blocks import MAX_VIEW_BLOCKS, clip
from bot.render.blocks.actions_plan import Listed, home_blocks
from bot.render.blocks.dialogue import Action, encode

HOME_REMIND = "cx_home_remind"
HOME_CLOSE = "cx_home_close"


@dataclass(frozen=True)
class PendingItem:
    round_id: int
    channel_id: str
    framework: str
    answered: int
    total: int
    snoozed_until: str = ""  # when the person asked to be reminded, in their own time


@dataclass(frozen=True)
class LedItem:
    round_id: int
    channel_id: str
    framework: str
    finished: int
    invited: int


@dataclass(frozen=True)
class SummaryItem:
    channel_id: str
    framework: str
    closed_on: str
    stage: str


def home_view(
    lang: str,
    pending: list[PendingItem],
    led: list[LedItem],
    summaries: list[SummaryItem],
    actions: list[Listed],
) -> View:
    """The Home tab; each list is cut so the view stays within Slack's 100 blocks."""
    blocks: list[Block] = [HeaderBlock(text=clip(t(lang, "home_title"), 150))]
    blocks += _heading(t(lang, "home_pending"), t(lang, "home_none_pending"), bool(pending))
    for item in pending[:20]:
        progress = t(lang, "home_progress", answered=item.answered, total=item.total)
        if item.snoozed_until:
            progress += f" · {t(lang, 'status_snoozed', when=item.snoozed_until)}"
        blocks.append(
            SectionBlock(
                text=_md(f"*{item.framework}* · <#{item.channel_id}> · {progress}"),
                accessory=_button(
                    t(lang, "home_continue" if item.answered else "start"),
                    Action.START,
                    item.round_id,
                    "primary",
                ),
            )
        )
    blocks.append(DividerBlock())
    blocks += _heading(t(lang, "home_led"), t(lang, "home_none_led"), bool(led))
    confirm = ConfirmObject(
        title=clip(t(lang, "home_close"), 100),
        text=clip(t(lang, "confirm_close"), 300),
        confirm=clip(t(lang, "home_close"), 30),
        deny=clip(t(lang, "cancel"), 30),
    )
    for lead in led[:15]:
        progress = t(lang, "home_led_progress", finished=lead.finished, invited=lead.invited)
        blocks += [
            SectionBlock(text=_md(f"*{lead.framework}* · <#{lead.channel_id}> · {progress}")),
            ActionsBlock(
                elements=[
                    _button(t(lang, "home_remind"), HOME_REMIND, lead.round_id),
                    _button(t(lang, "home_close"), HOME_CLOSE, lead.round_id, "danger", confirm),
                ]
            ),
        ]
    blocks.append(DividerBlock())
    blocks += home_blocks(actions, lang)
    blocks += _heading(t(lang, "home_summaries"), t(lang, "home_none_summaries"), bool(summaries))
    for s in summaries[:10]:
        line = f"{s.closed_on} · *{s.framework}* · <#{s.channel_id}> · {s.stage}"
        blocks.append(SectionBlock(text=_md(line)))
    return View(type="home", blocks=blocks[:MAX_VIEW_BLOCKS])


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(text))


def _heading(title: str, empty: str, has_items: bool) -> list[Block]:
    heading: list[Block] = [SectionBlock(text=_md(f"*{title}*"))]
    if not has_items:
        heading.append(ContextBlock(elements=[_md(empty)]))
    return heading


def _button(
    text: str,
    action_id: str,
    round_id: int,
    style: str | None = None,
    confirm: ConfirmObject | None = None,
) -> ButtonElement:
    return ButtonElement(
        text=clip(text, 75),
        action_id=action_id,
        value=encode(round_id),
        style=style,
        confirm=confirm,
    )
