"""A report's figures in words, the same in every output (channel, Markdown, terminal, chart).

Numbers with the language's decimal separator, levels as "2 · Development" (a half stage as
"between 2 · Development and 3 · Maturation"), the overall stage with the sentence that explains
it, ties named as ties, a split area as who says what (or, among few people, the range of the
answers) but never as a level, agreement in words, and each disagreement's discussion question.
Every sentence comes from the message catalogs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from bot.analysis import AreaResult, Gap, Overall, Report, counts_shown, tie_consensus
from bot.frameworks import Area, Scale
from bot.i18n import t

MISSING = "–"
WEAKEST_NAMED = 3  # more areas tied as the weakest are counted, not named, where room is short
_DECIMAL_COMMA = frozenset({"es", "de"})
_HI_DIPHTHONGS = ("hia", "hie", "hio", "hiu")  # "hielo": no /i/ sound, so "y" stays


def number(value: float | None, lang: str, digits: int = 1) -> str:
    """``value`` rounded to ``digits`` without trailing zeros ("2", "2.5"; "2,5" in es/de)."""
    if value is None:
        return MISSING
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    return text.replace(".", ",") if lang in _DECIMAL_COMMA else text


def level_text(
    value: float | None, scale: Scale, lang: str, *, short: bool = False, bare: bool = False
) -> str:
    """A median as people read it: "2 · Development" on a level, "between 2 · Development and
    3 · Maturation" between two ("between 2 and 3" when ``short``, for narrow columns; "2" and
    "between 2 and 3" when ``bare``, beside a legend of the levels, `levels_legend`)."""
    if value is None:
        return MISSING
    if float(value).is_integer() and int(value) in scale.values:
        if bare:
            return str(int(value))
        return f"{int(value)} · {scale.level(int(value)).label.get(lang)}"
    below = [v for v in scale.values if v < value]
    above = [v for v in scale.values if v > value]
    if not below or not above:  # off the scale: only a number can say it
        return number(value, lang)
    if short or bare:
        return t(lang, "level_between", low=below[-1], high=above[0])
    low, high = (level_text(v, scale, lang) for v in (below[-1], above[0]))
    return t(lang, "level_between", low=low, high=high)


def levels_legend(scale: Scale, lang: str) -> str:
    """The scale in one line, for lists that give levels by number: "1 Initiation ·
    2 Development · 3 Maturation · 4 Optimization"."""
    return " · ".join(f"{lv.value} {lv.label.get(lang)}" for lv in scale.levels)


def change_text(value: float | None, lang: str) -> str:
    """A change with an arrow: "↑ +0.5", "↓ -1", "→ 0" (also when it rounds to 0); "–" unknown."""
    if value is None:
        return MISSING
    magnitude = number(abs(value), lang)
    if magnitude == "0":
        return "→ 0"
    return f"↑ +{magnitude}" if value > 0 else f"↓ -{magnitude}"


def names(areas: Sequence[Area], lang: str) -> str:
    """Area names as a list people say: "A", "A and B", "A, B and C"; each name quoted when one
    holds the word "and" or a colon itself ("“Routing and queueing” and “Security”"), a name
    alone when it holds a colon."""
    texts = [a.name.get(lang) for a in areas]
    if len(texts) == 1:  # alone, only a colon needs quotes ("Data: …" holds it back)
        return t(lang, "list_quoted", name=texts[0]) if ":" in texts[0] else texts[0]
    if not texts:
        return ""
    marks = {t(lang, key) for key in ("list_and", "list_and_i")} | {":"}
    if any(mark in text for mark in marks for text in texts):
        texts = [t(lang, "list_quoted", name=text) for text in texts]
    # Spanish says "e" for "y" before an /i/ sound ("Seguridad e Informes"); the catalog decides.
    last = texts[-1].strip("“”«»„").casefold()
    before_i = last.startswith(("i", "í", "hi", "hí")) and not last.startswith(_HI_DIPHTHONGS)
    return ", ".join(texts[:-1]) + t(lang, "list_and_i" if before_i else "list_and") + texts[-1]


def gap_note(report: Report, lang: str, gap: Gap) -> str:
    """What a roadmap entry's place does not say by itself, in brackets (else ""): that it ties
    with another, and, where the roadmap has entries of both kinds, that it holds the overall
    stage back (such entries come first, whatever their gap)."""
    notes = []
    if sum(other.rank == gap.rank for other in report.top_gaps) > 1:
        notes.append(t(lang, "summary_tied"))
    holding = {area.id for area in report.overall.holding_back}
    if gap.id in holding and not all(other.id in holding for other in report.top_gaps):
        notes.append(t(lang, "summary_holds_back"))
    return f" ({', '.join(notes)})" if notes else ""


def stage_headline(report: Report, lang: str) -> str:
    """ "Overall stage: 2 · Development" (", close to 3 · Maturation" when it is); "" without."""
    overall, scale = report.overall, report.framework.scale
    if overall.stage is None:
        return ""
    stage = level_text(overall.stage.value, scale, lang)
    if overall.close and overall.next_stage:
        nxt = level_text(overall.next_stage.value, scale, lang)
        return t(lang, "report_overall_close", stage=stage, next=nxt)
    return t(lang, "report_overall", stage=stage)


def stored_stage(result: Mapping[str, Any] | None, scale: Scale, lang: str) -> str:
    """A stored report's (`Report.to_dict`) stage in the headline's words, for lists of past
    rounds: "1 · Initiation, close to 2 · Development"; "–" without a stage."""
    overall = (result or {}).get("overall") or {}
    value, nxt = overall.get("stage"), overall.get("next_stage")
    if value not in scale.values:
        return MISSING
    stage = level_text(value, scale, lang)
    if overall.get("close_to_next") and nxt in scale.values:
        return t(lang, "stage_close", stage=stage, next=level_text(nxt, scale, lang))
    return stage


def stage_reason(report: Report, lang: str) -> str:
    """Why the stage is what it is, in one or two sentences; without a stage, why there is none.
    The areas the rule leaves out (split, too few answers) are named first, and the rule's
    sentence then speaks of the *other* areas."""
    overall, p = report.overall, report.participants
    if not overall.shown:
        if not p.responded:
            return t(lang, "report_no_levels")
        if p.responded < report.settings.min_responses:
            return t(
                lang,
                "report_overall_too_few",
                responded=p.responded,
                min=report.settings.min_responses,
            )
        return t(lang, "report_overall_withheld", min=report.settings.min_responses)
    left_out = []
    if overall.split and overall.stage is not None:
        left_out.append(t(lang, "stage_split", areas=names(overall.split, lang)))
    withheld = [r.area for r in report.areas if r.below_min_responses]
    if withheld:
        left_out.append(t(lang, "stage_left_out", areas=names(withheld, lang)))
    if overall.stage is None:  # every shown area split: nothing to place
        if len(overall.split) > WEAKEST_NAMED:  # the disagreements list them
            split_all = t(lang, "stage_split_all_count", count=len(overall.split))
        else:
            split_all = t(lang, "stage_split_all", areas=names(overall.split, lang))
        return " ".join([split_all, *left_out])
    rule = _rule_sentence(overall, report.framework.scale, lang, others=bool(left_out))
    return " ".join([*left_out, rule])


def _rule_sentence(overall: Overall, scale: Scale, lang: str, *, others: bool) -> str:
    """The stage rule's case in words; with ``others``, of the areas not named before it."""
    assert overall.stage is not None
    value = overall.stage.value
    if overall.next_stage is None:
        key = "stage_reason_top_others" if others else "stage_reason_top"
        return t(lang, key, stage=level_text(value, scale, lang))
    nxt = overall.next_stage.value
    if overall.close:
        if len(overall.holding_back) == 1:
            key = "stage_reason_close_one_others" if others else "stage_reason_close_one"
        else:
            key = "stage_reason_close_others" if others else "stage_reason_close"
        held = names(overall.holding_back, lang)
        return t(lang, key, count=overall.at_next, rated=overall.rated, next=nxt, areas=held)
    # At the bottom of the scale "every area is at 1 or above" says nothing: left out there.
    bottom = "_bottom" if value == scale.bottom else ""
    suffix = bottom + ("_others" if others else "")
    if overall.at_next == 0:
        return t(lang, "stage_reason_none" + suffix, value=value, next=nxt)
    count, rated = overall.at_next, overall.rated
    return t(lang, "stage_reason" + suffix, value=value, count=count, rated=rated, next=nxt)


def weakest_text(report: Report, lang: str, *, name_all: bool = True) -> str:
    """The weakest areas, a tie named as one; more than `WEAKEST_NAMED` are only counted unless
    ``name_all``. "" without a stage, and where `stage_reason` already says it all (every area
    at the top; every area at the stage's level, as "none is at 3 yet" says; the areas holding
    a close stage back are exactly the weakest)."""
    overall = report.overall
    if not overall.weakest_areas or overall.next_stage is None:
        return ""
    if len(overall.weakest_areas) == overall.rated > 1:
        return ""
    if overall.close and overall.weakest_areas == overall.holding_back:
        return ""
    level = level_text(overall.weakest_level, report.framework.scale, lang)
    weakest = overall.weakest_areas
    if len(weakest) == 1:
        return t(lang, "report_weakest_one", area=weakest[0].name.get(lang), level=level)
    if len(weakest) > WEAKEST_NAMED and not name_all:
        return t(lang, "report_weakest_tie_count", count=len(weakest), level=level)
    return t(lang, "report_weakest_tie", level=level, areas=names(weakest, lang))


def split_text(
    r: AreaResult,
    scale: Scale,
    lang: str,
    min_responses: int,
    *,
    short: bool = False,
    labeled: bool = False,
) -> str:
    """Who says what in a shown area: "2 say 1 · Initiation, 2 say 3 · Maturation" ("answers
    split: 2 say 1, …" when ``labeled``); among too few people to show counts (`counts_shown`)
    only "answers differ": with three answers, the median and the range would be all three,
    and each person knows their own. "" if withheld."""
    if r.distribution is None:
        return ""
    if not counts_shown(r, min_responses):
        return t(lang, "split_hidden")
    label = partial(_value_label, scale=scale, lang=lang, short=short)
    split = ", ".join(
        t(lang, "split_one" if count == 1 else "split_many", count=count, level=label(value))
        for value, count in r.distribution.items()
        if count
    )
    return t(lang, "summary_split", split=split) if labeled else split


def _value_label(value: int, *, scale: Scale, lang: str, short: bool) -> str:
    return str(value) if short else level_text(value, scale, lang)


def agreement_text(r: AreaResult, lang: str, *, short: bool = False) -> str:
    """ "strong agreement", "moderate agreement", "low agreement" ("strong"... when ``short``, under
    an "Agreement" heading); "–" with fewer than two answers."""
    if r.agreement is None:
        return MISSING
    degree = t(lang, f"agreement_{r.agreement.value}")
    return degree if short else t(lang, "agreement", degree=degree)


def discussion_questions(
    r: AreaResult, scale: Scale, lang: str, min_responses: int
) -> tuple[str, ...]:
    """An area's discussion prompts; without any, one question built from its split (naming
    its lowest and highest level only where counts may show, as `split_text`)."""
    if r.area.prompts:
        return tuple(p.get(lang) for p in r.area.prompts)
    if r.spread is None:
        return ()
    area = r.area.name.get(lang)
    if not counts_shown(r, min_responses):
        return (t(lang, "disagreement_question_plain", area=area),)
    low, high = (level_text(v, scale, lang) for v in r.spread)
    return (t(lang, "disagreement_question", area=area, low=low, high=high),)


def disagreements(report: Report) -> tuple[AreaResult, ...]:
    """The areas people disagree on, least agreement first where counts may show (else
    framework order, `tie_consensus`)."""
    split = [r for r in report.areas if r.disagreement]
    least = report.settings.min_responses
    return tuple(sorted(split, key=lambda r: tie_consensus(r, least)))
