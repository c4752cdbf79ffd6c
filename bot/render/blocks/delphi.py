"""Block Kit of the Delphi follow-up: the previous iteration on a card (the group's distribution
as small bars, its comments, one's own earlier answer, *Keep*), the follow-up's summary, and the
*Follow up on the disagreements* button."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.analysis import STABLE_SHARE, Feedback, Report, Shift
from bot.answers import Ask
from bot.frameworks import Scale
from bot.i18n import t
from bot.model import followup_number
from bot.render.blocks import clip, escape_mrkdwn
from bot.render.wording import MISSING, level_text, number

FOLLOW_UP = "cx_followup"  # the value carries the round to follow up
BAR = "▇"


def follow_up_button(round_id: int, lang: str) -> ActionsBlock:
    """*Follow up on the disagreements*: its lead starts the next iteration."""
    return ActionsBlock(
        block_id="cx_followup",
        elements=[
            ButtonElement(
                text=clip(t(lang, "followup_button"), 75),
                action_id=FOLLOW_UP,
                value=str(round_id),
            )
        ],
    )


def distribution_lines(counts: Sequence[tuple[int, int]], scale: Scale, lang: str) -> list[str]:
    """A small bar per level: "1 · Initiation ▇▇ 2"."""
    return [
        f"{value} · {scale.level(value).label.get(lang)} {BAR * count} {count}".replace("  ", " ")
        for value, count in counts
    ]


def feedback_blocks(
    feedback: Feedback,
    scale: Scale,
    lang: str,
    keep: tuple[str, ...],
    discussion: str | None = None,
) -> list[Block]:
    """What the group said last time and one's own answer, above the card's buttons; ``keep``:
    round, area (the *Keep* button's value, which answers like the level's own button);
    ``discussion``: the link to the area's discussion thread in the channel, where people
    say why they see it as they do."""
    if feedback.distribution is None:  # among too few answers, no levels, as in the channel
        lines = [t(lang, "followup_card_intro_few", followup=followup_number(feedback.iteration))]
    else:
        lines = [t(lang, "followup_card_intro", followup=followup_number(feedback.iteration))]
        lines += ["```", *distribution_lines(feedback.distribution, scale, lang), "```"]
    if feedback.comments:
        lines.append(t(lang, "followup_card_comments"))
        lines += [f"• _{escape_mrkdwn(c)}_" for c in feedback.comments]
    if discussion is not None:
        lines.append(t(lang, "followup_card_discussion", link=discussion))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines))), expand=True)
    ]
    if isinstance(feedback.own, int):
        own = f"{feedback.own} · {scale.level(feedback.own).label.get(lang)}"
        blocks.append(_context(t(lang, "followup_card_own", answer=own)))
        value = "|".join([*keep, Ask.CURRENT.value, str(feedback.own)])
        button = ButtonElement(
            text=clip(t(lang, "followup_keep", answer=own), 75),
            action_id=f"cx_answer_{feedback.own}",
            value=value,
        )
        blocks.append(ActionsBlock(block_id=f"keep|{keep[-1]}", elements=[button]))
    return blocks


def followup_text(report: Report, iteration: int, lang: str) -> str:
    """The follow-up summary's notification line."""
    return t(
        lang,
        "followup_summary_title",
        framework=report.framework.name.get(lang),
        followup=followup_number(iteration),
    )


def shift_text(shift: Shift, report: Report, lang: str) -> str:
    """One area: its level now, consensus before → after, moved answers and stability."""
    area = next(r for r in report.areas if r.id == shift.area.id)
    name = f"*{shift.area.name.get(lang)}*"
    if area.below_min_responses:  # too few replied: no level, no verdict (`Followups.settled`)
        return f"{name}  {t(lang, 'report_withheld')}"
    level = level_text(area.current.median if area.current else None, report.framework.scale, lang)
    verdict = t(lang, "followup_agreed" if shift.agreed else "followup_split")
    if not shift.shown:  # too few to read numbers anonymously: words only (see `shifts`), and
        # not even whether any answer moved: among few pairs that is whose answer moved
        if shift.unjudged:  # "settled" or "still differ" would say more than the median
            return f"{name}  {t(lang, 'followup_level_now', level=level)}"
        now = t(lang, "followup_agreed_now", level=level) if shift.agreed else None
        return f"{name}  {now or t(lang, 'followup_still_differ')}"
    consensus = t(
        lang,
        "followup_consensus",
        before=number(shift.consensus_before, lang, 2),
        after=number(shift.consensus_after, lang, 2),
        verdict=verdict,
    )
    stability = t(
        lang,
        "followup_stability",
        moved=shift.moved,
        pairs=shift.pairs,
        unchanged=number((shift.unchanged or 0.0) * 100, lang, 0),
        kappa=number(shift.kappa, lang, 2) if shift.kappa is not None else MISSING,
    )
    if shift.stable or not shift.agreed:  # an agreed area needs no word on stability
        stability += f" ({t(lang, 'followup_stable' if shift.stable else 'followup_unstable')})"
    lines = [f"{name}  {level}", consensus, stability]
    return "\n".join(lines)


def stop_rule(report: Report, shifts: Sequence[Shift], lang: str) -> str:
    """The stop rule (with this report's threshold) while an area is still open; why movement
    is not shown, when it is not; what weighted κ is when an area shows it."""
    notes = []
    if any(s.open for s in shifts):
        threshold = number(report.settings.consensus_threshold, lang, 2)
        share = number(STABLE_SHARE * 100, lang, 0)
        notes.append(t(lang, "followup_stop_rule", threshold=threshold, share=share))
    if any(not s.shown for s in shifts):
        notes.append(t(lang, "followup_too_few_pairs"))
    if any(s.shown and s.kappa is not None for s in shifts):
        notes.append(t(lang, "followup_kappa_note"))
    return " ".join(notes)


def followup_blocks(
    report: Report, shifts: Sequence[Shift], iteration: int, lang: str, *, round_id: int
) -> list[Block]:
    """The follow-up's summary: per area the change; the stop rule; the next iteration's button
    while an area is still split and not stable."""
    blocks: list[Block] = [
        HeaderBlock(text=clip(followup_text(report, iteration, lang), 150)),
        *(
            SectionBlock(
                text=MarkdownTextObject(text=clip(shift_text(s, report, lang))), expand=True
            )
            for s in shifts
        ),
    ]
    if notes := stop_rule(report, shifts, lang):
        blocks.append(_context(notes))
    still = [s.area.name.get(lang) for s in shifts if s.open]
    if still:
        blocks.append(_context(t(lang, "followup_still_open", areas=", ".join(still))))
        blocks.append(follow_up_button(round_id, lang))
    else:
        blocks.append(_context(t(lang, "followup_done")))
    return blocks


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text))])
