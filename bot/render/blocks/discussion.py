"""Block Kit for discussion threads: the message that opens one per disagreement, and the line
that `results` adds after close (how many replies each thread has)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.analysis import AreaResult, Report, counts_shown
from bot.frameworks import Framework
from bot.i18n import t
from bot.model import Discussion
from bot.render.blocks import clip, escape_mrkdwn
from bot.render.blocks.dialogue import Message
from bot.render.wording import discussion_questions, level_text, split_text


def discussion_message(
    report: Report, result: AreaResult, position: int, count: int, lang: str
) -> Message:
    """The area, its anonymous split, its levels in short, its question, and the invitation to
    talk in the thread (saying that names show there)."""
    scale, area = report.framework.scale, result.area
    name = area.name.get(lang)
    title = t(lang, "discuss_title", position=position, count=count, area=escape_mrkdwn(name))
    if counts_shown(result, report.settings.min_responses):
        shown = split_text(result, scale, lang, report.settings.min_responses)
        split = t(lang, "discuss_split", split=escape_mrkdwn(shown))
    else:  # among few answers the split cannot be told: one line, not "split: answers differ"
        split = t(lang, "discuss_split_hidden")
    levels = [
        t(lang, "discuss_level", level=level_text(v, scale, lang), brief=area.brief(v).get(lang))
        for v in scale.values
    ]
    questions = discussion_questions(result, scale, lang, report.settings.min_responses)
    blocks: list[Block] = [
        _section(f"{title}\n{split}"),
        _section("\n".join(escape_mrkdwn(line) for line in levels)),
    ]
    if questions:
        blocks.append(_section(f"_{escape_mrkdwn(questions[0])}_"))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(lang, "discuss_invite"))]))
    text = t(lang, "discuss_fallback", position=position, count=count, area=name)
    return Message.of(text, blocks)


def discussion_counts(
    threads: Sequence[Discussion], framework: Framework, lang: str
) -> ContextBlock | None:
    """How many replies each discussion thread has, and where the full discussion is."""
    if not threads:
        return None
    names = {a.id: a.name.get(lang) for a in framework.areas}
    counts = "; ".join(
        t(lang, "discuss_count", area=escape_mrkdwn(names.get(d.area_id, d.area_id)),
          count=len(d.replies))
        for d in threads
    )  # fmt: skip
    return ContextBlock(
        elements=[MarkdownTextObject(text=clip(t(lang, "discuss_counts", counts=counts)))]
    )


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text)), expand=True)
