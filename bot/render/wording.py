"""A report's figures in words, the same in every output (channel, Markdown, terminal, chart).

Numbers with the language's decimal separator, levels as "2 · Development" (a half stage as
"between 2 · Development and 3 · Maturation"), the overall stage with the sentence that explains
it, ties named as ties, a split area as who says what, agreement in words, and each
disagreement's discussion question. Every sentence comes from the message catalogs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.analysis import AreaResult, Overall, Report
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


def level_text(value: float | None, scale: Scale, lang: str, *, short: bool = False) -> str:
    """A median as people read it: "2 · Development" on a level, "between 2 · Development and
    3 · Maturation" between two ("between 2 and 3" when ``short``, for narrow columns)."""
    if value is None:
        return MISSING
    if float(value).is_integer() and int(value) in scale.values:
        return f"{int(value)} · {scale.level(int(value)).label.get(lang)}"
    below = [v for v in scale.values if v < value]
    above = [v for v in scale.values if v > value]
    if not below or not above:  # off the scale: only a number can say it
        return number(value, lang)
    if short:
        return t(lang, "level_between", low=below[-1], high=above[0])
    low, high = (level_text(v, scale, lang) for v in (below[-1], above[0]))
    return t(lang, "level_between", low=low, high=high)


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
    holds the word "and" itself ("“Routing and queueing” and “Security”")."""
    texts = [a.name.get(lang) for a in areas]
    if len(texts) < 2:
        return "".join(texts)
    conjunctions = {t(lang, key) for key in ("list_and", "list_and_i")}
    if any(word in text for word in conjunctions for text in texts):
        texts = [t(lang, "list_quoted", name=text) for text in texts]
    # Spanish says "e" for "y" before an /i/ sound ("Seguridad e Informes"); the catalog decides.
    last = texts[-1].strip("“”«»„").casefold()
    before_i = last.startswith(("i", "í", "hi", "hí")) and not last.startswith(_HI_DIPHTHONGS)
    return ", ".join(texts[:-1]) + t(lang, "list_and_i" if before_i else "list_and") + texts[-1]


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


def stage_reason(report: Report, lang: str) -> str:
    """Why the stage is what it is, in one or two sentences; without a stage, why there is none."""
    overall, p = report.overall, report.participants
    if overall.stage is None:
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
    reason = _rule_sentence(overall, report.framework.scale, lang)
    left_out = [r.area for r in report.areas if r.below_min_responses and r.n]
    if left_out:
        reason += " " + t(lang, "stage_left_out", areas=names(left_out, lang))
    return reason


def _rule_sentence(overall: Overall, scale: Scale, lang: str) -> str:
    assert overall.stage is not None
    value = overall.stage.value
    if overall.next_stage is None:
        return t(lang, "stage_reason_top", stage=level_text(value, scale, lang))
    nxt = overall.next_stage.value
    if overall.close:
        key = "stage_reason_close_one" if len(overall.holding_back) == 1 else "stage_reason_close"
        return t(
            lang,
            key,
            count=overall.at_next,
            rated=overall.rated,
            next=nxt,
            areas=names(overall.holding_back, lang),
        )
    if overall.at_next == 0:
        return t(lang, "stage_reason_none", value=value, next=nxt)
    return t(
        lang, "stage_reason", value=value, count=overall.at_next, rated=overall.rated, next=nxt
    )


def weakest_text(report: Report, lang: str, *, name_all: bool = True) -> str:
    """The weakest areas, a tie named as one; more than `WEAKEST_NAMED` are only counted unless
    ``name_all``. "" without a stage, and where `stage_reason` already says it all (every area
    at the top; the areas holding a close stage back are exactly the weakest)."""
    overall = report.overall
    if not overall.weakest_areas or overall.next_stage is None:
        return ""
    if overall.close and overall.weakest_areas == overall.holding_back:
        return ""
    level = level_text(overall.weakest_level, report.framework.scale, lang)
    weakest = overall.weakest_areas
    if len(weakest) == 1:
        return t(lang, "report_weakest_one", area=weakest[0].name.get(lang), level=level)
    if len(weakest) == overall.rated:
        return t(lang, "report_weakest_all", count=len(weakest), level=level)
    if len(weakest) > WEAKEST_NAMED and not name_all:
        return t(lang, "report_weakest_tie_count", count=len(weakest), level=level)
    return t(lang, "report_weakest_tie", level=level, areas=names(weakest, lang))


def split_text(r: AreaResult, scale: Scale, lang: str, *, short: bool = False) -> str:
    """Who says what in an area: "2 say 1 · Initiation, 2 say 3 · Maturation" ("" if withheld)."""
    counts: Mapping[int, int] = r.distribution or {}
    return ", ".join(
        t(lang, "split_one" if count == 1 else "split_many", count=count, level=label)
        for value, count in counts.items()
        if count
        for label in (str(value) if short else level_text(value, scale, lang),)
    )


def agreement_text(r: AreaResult, lang: str, *, short: bool = False) -> str:
    """ "strong agreement", "moderate agreement", "low agreement" ("strong"... when ``short``, under
    an "Agreement" heading); "–" with fewer than two answers."""
    if r.agreement is None:
        return MISSING
    degree = t(lang, f"agreement_{r.agreement.value}")
    return degree if short else t(lang, "agreement", degree=degree)


def discussion_questions(r: AreaResult, scale: Scale, lang: str) -> tuple[str, ...]:
    """An area's discussion prompts; without any, one question built from its split."""
    if r.area.prompts:
        return tuple(p.get(lang) for p in r.area.prompts)
    if r.spread is None:
        return ()
    low, high = (level_text(v, scale, lang) for v in r.spread)
    return (t(lang, "disagreement_question", area=r.area.name.get(lang), low=low, high=high),)


def disagreements(report: Report) -> tuple[AreaResult, ...]:
    """The areas people disagree on, least agreement first (framework order among equals)."""
    split = [r for r in report.areas if r.disagreement]
    return tuple(sorted(split, key=lambda r: r.consensus if r.consensus is not None else 1.0))
