"""The channel summary on the rounds that used to mislead: each sentence is checked to be true."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import yaml

from bot.analysis import Report, analyse
from bot.answers import AreaAnswer
from bot.frameworks import Catalog, Framework, parse_framework
from bot.render.blocks import to_dicts
from bot.render.blocks.summary import summary_blocks, summary_text
from bot.render.report import render_markdown, render_text
from tests.blockkit import assert_valid_blocks
from tests.render.test_summary_blocks import texts
from tests.samples import GUIDED_YAML


def round_of(
    framework: Framework, levels: Mapping[str, Sequence[int]], target: int | None = None
) -> Report:
    """Person i gives ``levels[area][i]`` (target ``target``, else the top) for every area."""
    people = max(len(given) for given in levels.values())
    top = framework.scale.top
    answers = {
        f"p{i}": {
            area: AreaAnswer(given[i], target or top)
            for area, given in levels.items()
            if i < len(given)
        }
        for i in range(people)
    }
    return analyse(framework, answers, invited=people)


def channel(report: Report, lang: str = "en") -> list[str]:
    blocks = to_dicts(summary_blocks(report, lang))
    assert_valid_blocks(blocks)
    return texts(blocks)


def test_eleven_of_twelve_areas_at_3_and_one_at_2(catalog: Catalog) -> None:
    fw = catalog.get("cx-maturity")
    levels = {a.id: (3, 3, 3) for a in fw.areas} | {"knowledge-management": (2, 2, 2)}
    found = channel(round_of(fw, levels))
    assert found[1] == (
        "*Overall stage: 2 · Development, close to 3 · Maturation*\n"
        "11 of 12 areas are at 3 or above; Knowledge management holds it back."
    )  # the weakest area is the one named: no second line repeats it


def test_areas_split_in_two_camps_give_the_lower_stage_and_say_how_many_are_higher(
    catalog: Catalog,
) -> None:
    fw = catalog.get("cx-maturity")
    levels = {a.id: (1, 1, 1) if i % 2 else (3, 3, 3) for i, a in enumerate(fw.areas)}
    found = channel(round_of(fw, levels))
    assert found[1] == (
        "*Overall stage: 1 · Initiation*\n"
        "6 of 12 areas are at 2 or above.\n"
        "6 areas tie as the weakest, at 1 · Initiation."
    )


def test_an_area_split_in_two_camps_is_named_as_split_and_left_off_the_roadmap(
    catalog: Catalog,
) -> None:
    fw = catalog.get("cx-maturity")
    levels = {a.id: (2, 2, 2, 2) for a in fw.areas} | {"routing-queueing": (1, 1, 3, 3)}
    report = round_of(fw, levels, target=3)
    found = channel(report)
    assert found[1] == (  # half say 1, half say 3: nobody said 2, so no sentence places it there
        "*Overall stage: 2 · Development*\n"
        "Left out, as the answers split (see Disagreements): Routing and queueing. Every other area is at 2 or "
        "above; none is at 3 yet."
    )  # not "All 11 other areas are at 2 · Development." again
    gaps = next(text for text in found if text.startswith("*Top gaps"))
    assert "*Routing and queueing*" not in gaps  # no advice from a median nobody chose
    disagreements = next(text for text in found if text.startswith("*Disagreements"))
    assert disagreements == (
        "*Disagreements to discuss*\n"
        "_Agree on where you are first: these areas are left out of the overall stage and the "
        "roadmap._\n"
        "• *Routing and queueing*: answers differ\n"
        "      _How often does a customer have to be transferred before reaching someone who can "
        "help?_"
    )  # four people: too few to show how many said what
    assert "• *Routing and queueing*  answers split (see above) · target 3" in found[-2]


def test_a_split_among_enough_people_shows_who_says_what(catalog: Catalog) -> None:
    fw = catalog.get("cx-maturity")
    levels = {a.id: (2,) * 6 for a in fw.areas} | {"routing-queueing": (1, 1, 1, 3, 3, 3)}
    found = channel(round_of(fw, levels, target=3))
    disagreements = next(text for text in found if text.startswith("*Disagreements"))
    assert (
        "• *Routing and queueing*: 3 say 1 · Initiation, 3 say 3 · Maturation" in disagreements
    )  # six answers, the minimum 3 plus 2: the counts no longer give anyone away
    assert "• *Routing and queueing*  answers split (see above) · target 3" in found[-2]  # once


def test_tied_areas_are_named_as_a_tie_not_picked_by_framework_order(catalog: Catalog) -> None:
    fw = catalog.get("cx-maturity")
    levels = {a.id: (2, 2, 2) if i < 7 else (3, 3, 3) for i, a in enumerate(fw.areas)}
    report = round_of(fw, levels, target=3)
    found = channel(report)
    assert found[1] == (
        "*Overall stage: 2 · Development*\n"
        "Every area is at 2 or above, and 5 of 12 at 3 or above.\n"
        "7 areas tie as the weakest, at 2 · Development."
    )
    gaps = next(text for text in found if text.startswith("*Top gaps"))
    assert gaps.count("(tied)") == 3 and "*1. CX philosophy* (tied)" in gaps
    assert gaps.endswith(
        "_4 more gaps (4 of them tied with no. 1), and each gap's other actions: full report._"
    )
    markdown = render_markdown(report, "en")
    assert (
        "- Weakest areas (2 · Development): “CX philosophy”, “Routing and queueing”, "
        "“Workforce engagement management”, “Personalization”, “Account and interaction "
        "management”, “Knowledge management” and “Quality assurance”\n" in markdown
    )  # quoted, as names with "and" in them would blur the list


def test_a_five_area_round_where_everything_is_a_gap_keeps_three_and_names_the_tie(
    catalog: Catalog,
) -> None:
    fw = catalog.get("cx-pillars")
    report = round_of(fw, {a.id: (2, 2, 2) for a in fw.areas})
    assert len(report.top_gaps) == 5 and {g.rank for g in report.top_gaps} == {1}
    found = channel(report)
    assert found[1] == (
        "*Overall stage: 2 · Room for improvement*\nEvery area is at 2 or above; none is at 3 yet."
    )  # not "All 5 areas are at 2 · Room for improvement." again
    gaps = next(text for text in found if text.startswith("*Top gaps"))
    assert gaps.count("\n*") == 3 and gaps.count("(tied)") == 3
    assert gaps.endswith(
        "_2 more gaps (2 of them tied with no. 1), and each gap's other actions: full report._"
    )


def test_a_five_area_round_where_every_area_splits_has_no_stage_and_no_roadmap(
    catalog: Catalog,
) -> None:
    fw = catalog.get("cx-pillars")
    # six answers: enough to judge agreement on three levels (`unanimity_floor`)
    levels = {
        a.id: (1, 1, 1, 3, 3, 3) if i % 2 else (1, 1, 2, 3, 3, 3) for i, a in enumerate(fw.areas)
    }
    report = round_of(fw, levels)
    assert report.top_gaps == () and sum(r.disagreement for r in report.areas) == 5
    found = channel(report)
    assert found[1] == (
        "No overall stage yet: the answers split on all 5 areas shown; agree on where you are "
        "first."
    )
    assert not any(text.startswith("*Top gaps") for text in found)
    disagreements = next(text for text in found if text.startswith("*Disagreements"))
    assert disagreements.count("\n• ") == 3 and disagreements.endswith(
        "_2 more in the full report._"
    )
    assert disagreements.splitlines()[2] == (
        "• *Experience design*: 3 say 1 · Needs immediate action, 3 say 3 · Excellent"
    )  # the least agreement first: the areas split 1, 1, 1, 3, 3, 3
    split_lines = [line for line in found[-2].splitlines() if "answers split" in line]
    assert sum("(see above)" in line for line in split_lines) == 3  # the two not shown above:
    assert (
        "• *Experience delivery*  answers split: 2 say 1, 1 says 2, 3 say 3 · target 3" in found[-2]
    )
    assert summary_text(report, "en") == (
        "CX maturity: five pillars: no overall stage yet, the answers split on every area; "
        "6 of 6 answered."
    )


def test_too_few_answers_say_plainly_that_levels_are_withheld_and_why(
    catalog: Catalog,
) -> None:
    fw = catalog.get("cx-maturity")
    report = round_of(fw, {a.id: (2, 3) for a in fw.areas})
    assert channel(report, "es") == [
        "Madurez de la experiencia del cliente en el centro de contacto: resultados",
        "Los niveles se omiten para proteger el anonimato: no se muestra ninguno hasta que al "
        "menos 3 personas hayan indicado uno, y lo hicieron 2.",
        "2 de 2 personas invitadas respondieron; 2 recorrieron todas las áreas.",
    ]


def test_the_roadmap_lists_the_next_steps_actions_in_the_readers_language() -> None:
    fw = parse_framework(yaml.safe_load(GUIDED_YAML), "mini")
    report = round_of(fw, {"alpha": (1, 1, 1), "beta": (2, 2, 2)})
    gaps = next(text for text in channel(report, "de") if text.startswith("*Die größten"))
    assert gaps == (
        "*Die größten Lücken: hier anfangen*\n"
        "*1. Alpha* (bremst die Gesamtstufe)  1 · Niedrig → 3 · Hoch\n"
        "      _Nächster Schritt (2 · Mittel):_\n"  # the actions reach 2, not yet the target
        "      • Alpha-Verantwortung festlegen.\n"  # where to start: the first action alone
        "*2. Beta*  2 · Mittel → 3 · Hoch\n"
        "      _Als Nächstes (3 · Hoch): Beta komplett._\n"
        "_Die weiteren Maßnahmen je Lücke stehen im vollständigen Bericht._"
    )  # 2 x weight 1 equals 1 x weight 2, but alpha holds the stage back: first, and it says
    # so; beta has no actions, so its next level's description stands in
    markdown = render_markdown(report, "es")
    assert (
        "- **1. Alfa** (frena la etapa global): actual 1 · Bajo, objetivo 3 · Alto, brecha 2\n"
        "  - Siguiente paso (2 · Medio):\n"
        "    - Nombrar a quien lleva alfa.\n"
        "    - Escribir las reglas de alfa.\n" in markdown
    )


def test_a_split_area_without_prompts_gets_a_question_built_from_its_split() -> None:
    # At a threshold of 0.6, agreement among four on three levels is judged (`unanimity_floor`
    # 3); four are too few for counts, so the question names no levels.
    data = yaml.safe_load(GUIDED_YAML) | {"consensus_threshold": 0.6}
    fw = parse_framework(data, "mini")
    report = round_of(fw, {"alpha": (2, 2, 2, 2), "beta": (1, 1, 3, 3)})
    found = channel(report, "es")
    disagreements = next(text for text in found if text.startswith("*Desacuerdos"))
    assert disagreements.splitlines()[2:] == [
        "• *Beta*: las respuestas difieren",
        "      _¿Dónde ve cada persona Beta hoy, y por qué ahí?_",
    ]


def test_spanish_lists_say_e_before_an_i_sound(catalog: Catalog) -> None:
    fw = catalog.get("cx-maturity")
    levels = {a.id: (3, 3, 3) for a in fw.areas} | {
        "knowledge-management": (2, 2, 2),
        "reporting-analytics": (2, 2, 2),
    }
    found = channel(round_of(fw, levels), "es")
    assert found[1] == (
        "*Etapa global: 2 · Desarrollo, cerca de 3 · Maduración*\n"
        "10 de 12 áreas están en 3 o más; «Gestión del conocimiento» e «Informes y análisis» "
        "la frenan."
    )


def test_every_area_at_the_top_says_so_once(catalog: Catalog) -> None:
    fw = catalog.get("cx-strategy")
    found = channel(round_of(fw, {a.id: (4, 4, 4) for a in fw.areas}))
    assert found[1] == (
        "*Overall stage: 4 · Steers decisions*\n"
        "Every area is at 4 · Steers decisions, the top of the scale."
    )
    assert not any(text.startswith("*Top gaps") for text in found)  # nothing left to close


def test_area_names_with_a_colon_are_quoted_in_a_list(catalog: Catalog) -> None:
    # A name with a colon ("Data: knowing what customers want"), unquoted: a list of two reads as
    # four parts.
    data = catalog.get("cx-pillars").to_dict()
    subtitles = {"data": "knowing what customers want", "culture": "living the customer focus"}
    for area in data["areas"]:
        area["name"]["en"] = f"{area['id'].title()}: {subtitles.get(area['id'], 'in short')}"
    fw = parse_framework(data, "colons")
    levels = {a.id: (3, 3, 3) for a in fw.areas} | {"data": (1, 1, 1), "culture": (1, 1, 1)}
    found = channel(round_of(fw, levels), "en")
    assert found[1].endswith(
        "Weakest areas (1 · Needs immediate action): “Data: knowing what customers want” and "
        "“Culture: living the customer focus”"
    )
    alone = {a.id: (3, 3, 3) for a in fw.areas} | {"data": (2, 2, 2)}
    assert channel(round_of(fw, alone), "en")[1].endswith(
        "4 of 5 areas are at 3 or above; “Data: knowing what customers want” holds it back."
    )  # a name alone too: else "Data: knowing what customers want holds it back" reads as two
    plain = catalog.get("cx-pillars")  # its names have no colon: no quotes
    assert channel(round_of(plain, alone), "en")[1].endswith(
        "4 of 5 areas are at 3 or above; Customer data holds it back."
    )


def test_the_area_holding_the_stage_back_at_the_lowest_level_leads_the_roadmap(
    catalog: Catalog,
) -> None:
    # Everyone rates culture at 1 and aims no higher: it still holds the stage at 1, and the
    # lowest level is where the scale says to act first, so its next step comes first.
    fw = catalog.get("cx-pillars")
    others = {a.id: AreaAnswer(2, 3) for a in fw.areas if a.id != "culture"}
    answers = {f"p{i}": others | {"culture": AreaAnswer(1, 1)} for i in range(3)}
    found = channel(analyse(fw, answers, invited=3), "de")
    gaps = next(text for text in found if text.startswith("*Die größten Lücken"))
    assert gaps.splitlines()[1:3] == [
        "*1. Kundenorientierte Kultur* (bremst die Gesamtstufe)  1 · Sofortiger Handlungsbedarf"
        " → 1 · Sofortiger Handlungsbedarf",
        "      _Nächster Schritt (2 · Verbesserungspotenzial):_",
    ]


def test_the_roadmap_says_when_how_much_an_area_matters_ordered_it(catalog: Catalog) -> None:
    fw = catalog.get("cx-pillars")
    # Every area at 2 aiming at 3; people call impact measurement important, design not.
    person = {a.id: AreaAnswer(2, 3, 2) for a in fw.areas} | {
        "measurement": AreaAnswer(2, 3, 3),
        "design": AreaAnswer(2, 3, 1),
    }
    five = channel(analyse(fw, {f"p{i}": person for i in range(5)}, invited=5))
    gaps = next(text for text in five if text.startswith("*Top gaps")).splitlines()
    assert gaps[1] == "_Ordered by the gap and by how much you said each area matters._"
    assert gaps[2].startswith("*1. Impact measurement*  2 · ")
    report = analyse(fw, {f"p{i}": person for i in range(5)}, invited=5)
    markdown = render_markdown(report, "es")
    assert (
        "_Ordenadas según la brecha y la importancia que ustedes dieron a cada área._" in markdown
    )
    assert "  Geordnet nach der Lücke und nach der Wichtigkeit" in render_text(report, "de")
    # Among four the means may not be read: they order nothing, and nothing says they do.
    four = channel(analyse(fw, {f"p{i}": person for i in range(4)}, invited=4))
    gaps = next(text for text in four if text.startswith("*Top gaps")).splitlines()
    assert gaps[1].startswith("*1. Customer data* (tied)")
    # A framework that asks no importance never says so.
    maturity = catalog.get("cx-maturity")
    levels = {a.id: (2, 2, 2, 2, 2) for a in maturity.areas}
    assert not any("matters" in text for text in channel(round_of(maturity, levels)))


def test_holding_the_stage_back_is_said_only_where_it_explains_the_order(
    catalog: Catalog,
) -> None:
    fw = catalog.get("cx-maturity")
    levels = {a.id: (2, 2, 2) for a in fw.areas} | {"knowledge-management": (1, 1, 1)}
    gaps = next(t for t in channel(round_of(fw, levels, 3)) if t.startswith("*Top gaps"))
    heads = [line for line in gaps.splitlines() if line.startswith("*") and ". " in line]
    # entries holding the stage back come first, whatever their gap: such an entry says so
    assert heads[0].startswith("*1. Knowledge management* (holds the stage back)  1 · ")
    assert heads[1].startswith("*2. CX philosophy* (tied)  2 · ")
    everyone_low = {a.id: (1, 1, 1) for a in fw.areas}  # every entry holds it back: no need
    assert not any("holds" in t for t in channel(round_of(fw, everyone_low)))
