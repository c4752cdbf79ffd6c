"""Typed answers in English, Spanish and German."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import AreaAnswer, Ask
from bot.flows.interview import (
    IMPORTANCE_SCALE,
    Answer,
    Answers,
    Change,
    Decline,
    InterviewState,
    Invitation,
    Phase,
    Question,
    Review,
    Skip,
    Start,
    advance,
    prompt_for,
)
from bot.flows.parser import (
    Ambiguous,
    Command,
    CommandChoice,
    LevelChoice,
    PairChoice,
    Unrecognized,
    WhichArea,
    interpret,
    normalize,
    parse_command,
    parse_reply,
)
from bot.frameworks import Scale, load_catalog

CATALOG = load_catalog()
MATURITY = CATALOG.get("cx-maturity").scale
STRATEGY = CATALOG.get("cx-strategy").scale


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        (" 2 ", 2),
        ("3.", 3),
        ("level 4", 4),
        ("Stufe 1", 1),
        ("nivel 2", 2),
        ("maturation", 3),
        ("Maturation", 3),
        ("MADURACIÓN", 3),
        ("maduracion", 3),
        ("Reifung", 3),
        ("matur", 3),
        ("entw", 2),
        ("opt", 4),
        ("Optimización!", 4),
        ("initiation", 1),
        ("beginn", 1),
    ],
)
def test_levels_by_number_key_label_and_prefix(text: str, value: int) -> None:
    assert parse_reply(text, MATURITY) == LevelChoice(value)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("?", Command.NOT_SURE),
        ("not sure", Command.NOT_SURE),
        ("No sé", Command.NOT_SURE),
        ("Weiß nicht", Command.NOT_SURE),
        ("keine Ahnung", Command.NOT_SURE),
        ("No idea", Command.NOT_SURE),
        ("dunno", Command.NOT_SURE),
        ("can't say", Command.NOT_SURE),
        ("no tengo idea", Command.NOT_SURE),
        ("Kann ich nicht sagen", Command.NOT_SURE),
        ("skip", Command.SKIP),
        ("Saltar", Command.SKIP),
        ("überspringen", Command.SKIP),
        ("back", Command.BACK),
        ("atrás", Command.BACK),
        ("Zurück", Command.BACK),
        ("help", Command.HELP),
        ("ayuda", Command.HELP),
        ("Hilfe", Command.HELP),
        ("pause", Command.PAUSE),
        ("más tarde", Command.PAUSE),
        ("später", Command.PAUSE),
        ("done", Command.FINISH),
        ("fertig", Command.FINISH),
        ("start over", Command.START_OVER),
    ],
)
def test_command_words_in_three_languages(text: str, command: Command) -> None:
    assert parse_reply(text, MATURITY) == CommandChoice(command)


def test_ambiguous_prefix_asks_which_one() -> None:
    result = parse_reply("d", STRATEGY)
    assert isinstance(result, Ambiguous)
    assert {lv.key for lv in result.candidates} == {"documented", "drives-decisions"}


def test_out_of_range_number_is_not_recorded() -> None:
    assert parse_reply("7", MATURITY) == Unrecognized("7", out_of_range=True)
    assert parse_reply("0", MATURITY) == Unrecognized("0", out_of_range=True)


@pytest.mark.parametrize("text", ["", "   ", "banana", "3 or 4", "maturationx", "🙂"])
def test_garbage_is_unrecognized(text: str) -> None:
    assert isinstance(parse_reply(text, MATURITY), Unrecognized)


def test_importance_words() -> None:
    assert parse_reply("alta", IMPORTANCE_SCALE) == LevelChoice(3)
    assert parse_reply("niedrig", IMPORTANCE_SCALE) == LevelChoice(1)
    assert parse_reply("med", IMPORTANCE_SCALE) == LevelChoice(2)


def test_parse_command_outside_questions() -> None:
    assert parse_command("Los!") is Command.START
    assert parse_command("ahora no") is Command.DECLINE
    assert parse_command("3") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_typed_result_never_an_exception(text: str) -> None:
    result = parse_reply(text, MATURITY, pair=True)
    assert isinstance(result, LevelChoice | PairChoice | CommandChoice | Ambiguous | Unrecognized)
    if isinstance(result, LevelChoice):
        assert result.value in MATURITY.values


@pytest.mark.parametrize("text", ["no", "No", "nein", "nicht", "not"])
def test_a_bare_no_is_never_a_level(text: str) -> None:
    assert parse_reply(text, STRATEGY) == Unrecognized(text)
    assert parse_reply(text, CATALOG.get("cx-expectations").scale) == Unrecognized(text)


def test_no_at_the_invitation_declines() -> None:
    assert interpret("No, gracias", Invitation(5), ()) == Decline()
    assert interpret("nein", Invitation(5), ()) == Decline()
    assert interpret("sure", Invitation(5), ()) == Start()


PILLARS = CATALOG.get("cx-pillars")
EXPECTATIONS = CATALOG.get("cx-expectations").scale
SYNONYMS = Scale(
    tuple(
        replace(level, synonyms={"es": words[0], "de": words[1]})
        for level, words in zip(
            MATURITY.levels,
            [
                (("muy básico",), ("ganz am anfang",)),
                (("regular", "mejorable"), ("mittel", "teilweise")),
                (("bastante bien",), ("ziemlich gut",)),
                (("excelente",), ("spitze",)),
            ],
            strict=True,
        )
    )
)


@pytest.mark.parametrize(
    ("text", "scale", "value"),
    [
        ("hay margen de mejora", PILLARS.scale, 2),
        ("Creo que es Excelente, la verdad", PILLARS.scale, 3),
        ("la verdad es que regular", SYNONYMS, 2),
        ("mejorable", SYNONYMS, 2),
        ("eher so mittel", SYNONYMS, 2),
        ("teilweise", SYNONYMS, 2),
        ("we are in development, I think", MATURITY, 2),
        ("not met at all", EXPECTATIONS, 1),  # "met" inside "not met" is not a second level
        ("tres", MATURITY, 3),
        ("Drei", MATURITY, 3),
    ],
)
def test_a_reply_naming_exactly_one_level_counts(text: str, scale: Scale, value: int) -> None:
    assert parse_reply(text, scale) == LevelChoice(value)


# The README's natural phrases, in every bundled framework: the level each one means there
# ("could be better" is a partial state on a maturity scale, a mostly met expectation).
NATURAL = {"cx-maturity": 2, "cx-pillars": 2, "cx-expectations": 3, "cx-strategy": 3}
HALFWAY = {"cx-maturity": 2, "cx-pillars": 2, "cx-expectations": 2, "cx-strategy": 2}


@pytest.mark.parametrize("framework", sorted(NATURAL))
@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("hay margen de mejora", NATURAL),
        ("could be better", NATURAL),
        ("eher so mittel", HALFWAY),
        ("so so", HALFWAY),
        ("so-so", HALFWAY),
    ],
)
def test_the_readmes_natural_phrases_work_in_every_bundled_framework(
    framework: str, text: str, levels: dict[str, int]
) -> None:
    scale = CATALOG.get(framework).scale
    assert parse_reply(text, scale) == LevelChoice(levels[framework])


@pytest.mark.parametrize(("text", "same"), [("so so", "so-so"), ("data driven", "data-driven")])
def test_a_hyphen_between_words_reads_as_a_space(text: str, same: str) -> None:
    assert normalize(text) == normalize(same)


@pytest.mark.parametrize(
    "text", ["somewhere between development and maturation", "not excellent", "nicht mittel"]
)
def test_two_levels_or_a_negated_one_are_not_guessed(text: str) -> None:
    scale = PILLARS.scale if "excellent" in text else MATURITY
    assert not isinstance(parse_reply(text, scale), LevelChoice)


@pytest.mark.parametrize(
    "text",
    ["2 4", "2→4", "2 -> 4", "2->4", "2-4", "2/4", "2, 4", "2 then 4", "2 to 4", "2 and 4",
     "2 y 4", "de 2 a 4", "2 und 4", "2 bis 4", "dos y cuatro", "zwei und vier", "two to four",
     "today 2, in 12 months 4", "Today: 2, target: 4", "now 2 goal 4", "hoy 2, en 12 meses 4",
     "Hoy 2 objetivo 4", "heute 2, in 12 Monaten 4", "Heute 2, Ziel 4"],
)  # fmt: skip
def test_both_answers_at_once(text: str) -> None:
    assert parse_reply(text, MATURITY, pair=True) == PairChoice(2, 4)
    assert not isinstance(parse_reply(text, MATURITY), PairChoice)  # only where a card asks both


def test_all_three_rows_at_once_where_the_card_asks_importance() -> None:
    pillars = card("cx-pillars")
    assert interpret("2 3 3", pillars, ()) == Answers(2, 3, 3)
    assert interpret("1/3/2", pillars, ()) == Answers(1, 3, 2)
    assert interpret("2 3 4", pillars, ()) == Unrecognized("2 3 4", out_of_range=True)
    assert not isinstance(interpret("2 3 3", card("cx-maturity"), ()), Answers)  # no importance
    step = advance(CATALOG.get("cx-pillars"), pillars_state(), interpret("2 3 3", pillars, ()))
    assert step.state.answer("data") == AreaAnswer(2, 3, 3)  # the card is complete: next one
    assert isinstance(step.prompt, Question) and step.prompt.area.id == "design"


@pytest.mark.parametrize(
    ("text", "importance"),
    [("2 3 high", 3), ("2 3 alta", 3), ("2 y 3 alta", 3), ("2 3 mittel", 2), ("2 3 wichtig", 2),
     ("2 → 3 sehr wichtig", 3), ("2 3 poco importante", 1), ("heute 2 Ziel 3 hoch", 3)],
)  # fmt: skip
def test_all_three_with_the_importance_in_words_on_any_row(text: str, importance: int) -> None:
    for answered in (AreaAnswer(), AreaAnswer(current=1, target=2)):  # a fresh card, and its
        assert interpret(text, card("cx-pillars", answered), ()) == Answers(2, 3, importance)
    assert interpret("2 3 3", card("cx-pillars", AreaAnswer(1, 2)), ()) == Answers(2, 3, 3)
    assert interpret("2/3/hoch", card("cx-pillars"), ()) == Answers(2, 3, 3)


@pytest.mark.parametrize(
    "text", ["2 3 mittel", "1 3 mejorable", "2 4 excellent", "tres, mejorable", "zwei drei mittel"]
)
def test_numbers_beside_a_level_name_are_not_half_read(text: str) -> None:
    # cx-maturity asks no importance: "2 3 mittel" used to record today 2 ("mittel" names
    # level 2 of cx-pillars) and drop the 3; now it is asked again
    for scale in (PILLARS.scale, MATURITY):
        assert isinstance(parse_reply(text, scale, pair=True), Unrecognized)
    assert parse_reply("2 mittel", PILLARS.scale) == LevelChoice(2)  # the same level twice
    assert parse_reply("in 12 months excellent", PILLARS.scale) == LevelChoice(3)  # 12: no level
    assert parse_reply("dos, mejorable", PILLARS.scale) == LevelChoice(2)  # in words, too
    assert parse_reply("una mejora, mejorable", PILLARS.scale) == LevelChoice(2)  # an article


@pytest.mark.parametrize(
    ("text", "value"),
    [("important", 2), ("very important", 3), ("not important", 1), ("muy importante", 3),
     ("importante", 2), ("poco importante", 1), ("alto", 3), ("medio", 2), ("sehr wichtig", 3),
     ("wichtig", 2), ("unwichtig", 1), ("gering", 1), ("mid", 2)],
)  # fmt: skip
def test_everyday_answers_to_how_important(text: str, value: int) -> None:
    row = card("cx-pillars", AreaAnswer(current=1, target=3))
    assert interpret(text, row, ()) == Answer(value, "data", Ask.IMPORTANCE)


@pytest.mark.parametrize(
    "text",
    ["no es crítico", "no es muy importante", "nicht so wichtig", "not that important",
     "not really important", "es muy importante para nosotros", "si", "de", "kritisch"],
)  # fmt: skip
def test_importance_is_a_whole_answer_never_a_word_read_out_of_a_sentence(text: str) -> None:
    row = card("cx-pillars", AreaAnswer(current=1, target=3))
    assert isinstance(interpret(text, row, ()), Unrecognized)  # asked again, never guessed
    assert not isinstance(interpret(f"2 3 {text}", row, ()), Answers)


@pytest.mark.parametrize(
    ("text", "value"),
    [("so-so, 2 out of 4", 2), ("gut, 3 von 4", 3), ("bien, un 3 sobre 4", 3),
     ("gut, drei von vier", 3)],
)  # fmt: skip
def test_a_sentence_may_say_what_a_level_is_out_of(text: str, value: int) -> None:
    assert parse_reply(text, MATURITY) == LevelChoice(value)


def test_a_pair_outside_the_scale_is_not_recorded() -> None:
    assert parse_reply("2 7", MATURITY, pair=True) == Unrecognized("2 7", out_of_range=True)


def pillars_state() -> InterviewState:
    return InterviewState(Phase.ASKING, 0, answers={"data": AreaAnswer()})


def card(framework_id: str, answer: AreaAnswer | None = None) -> Question:
    framework = CATALOG.get(framework_id)
    state = InterviewState(Phase.ASKING, 0, answers={framework.areas[0].id: answer or AreaAnswer()})
    prompt = prompt_for(framework, state)
    assert isinstance(prompt, Question)
    return prompt


def test_typed_answers_on_a_card_fill_its_first_open_row() -> None:
    fresh = card("cx-maturity")
    area = fresh.area.id
    assert interpret("2", fresh, ()) == Answer(2, area, Ask.CURRENT)
    assert interpret("2 → 4", fresh, ()) == Answers(2, 4)
    half = card("cx-maturity", AreaAnswer(current=2))
    assert interpret("4", half, ()) == Answer(4, area, Ask.TARGET)
    assert interpret("1 3", half, ()) == Answers(1, 3)  # both again: today changes too
    pillars = card("cx-pillars", AreaAnswer(current=1, target=3))
    assert interpret("alta", pillars, ()) == Answer(3, "data", Ask.IMPORTANCE)
    assert isinstance(interpret("1 3", pillars, ()), Unrecognized)  # importance takes one value


def test_continue_on_a_complete_card_goes_on() -> None:
    done = card("cx-maturity", AreaAnswer(current=2, target=3))
    assert interpret("weiter", done, ()) == Skip(done.area.id)
    assert interpret("weiter", card("cx-maturity"), ()) == Start()


REVIEW = Review((), ())
AREA_IDS = tuple(a.id for a in CATALOG.get("cx-maturity").areas)


def test_a_bare_number_at_the_review_is_asked_about_not_guessed() -> None:
    assert interpret("3", REVIEW, AREA_IDS) == WhichArea("3", 3)
    assert interpret("change 3", REVIEW, AREA_IDS) == Change(AREA_IDS[2])
    assert interpret("Cambiar 3", REVIEW, AREA_IDS) == Change(AREA_IDS[2])
    assert interpret("ändern #3", REVIEW, AREA_IDS) == Change(AREA_IDS[2])
    assert interpret("13", REVIEW, AREA_IDS) == Unrecognized("13", out_of_range=True)


@pytest.mark.parametrize("reply", ["yes", "sí", "Ja", "3"])
def test_yes_or_the_same_number_confirms_the_area_asked_about(reply: str) -> None:
    asked = WhichArea("3", 3)
    assert interpret(reply, REVIEW, AREA_IDS, asked) == Change(AREA_IDS[2])
    assert interpret("4", REVIEW, AREA_IDS, asked) == WhichArea("4", 4)  # another: asked again
    assert interpret(reply, REVIEW, AREA_IDS) != Change(AREA_IDS[2])  # nothing was asked


SEPARATORS = ["", " ", "->", " → ", "/", " then ", " y ", " und ", " to ", ", "]
NUMBERS = {1: ["1", "one", "uno", "eins"], 2: ["2", "two", "dos", "zwei"],
           3: ["3", "three", "tres", "drei"], 4: ["4", "four", "cuatro", "vier"]}  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(NUMBERS)),
    st.sampled_from(sorted(NUMBERS)),
    st.data(),
)
def test_any_spelling_of_two_numbers_is_both_answers(
    current: int, target: int, data: st.DataObject
) -> None:
    first = data.draw(st.sampled_from(NUMBERS[current]))
    second = data.draw(st.sampled_from(NUMBERS[target]))
    separator = data.draw(st.sampled_from(SEPARATORS))
    if separator == "" and first.isdigit() == second.isdigit():
        separator = " "  # "24" is a number, "dosdos" no word
    text = f"{first}{separator}{second}"
    assert interpret(text, card("cx-maturity"), ()) == Answers(current, target), text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["fresh", "half", "pillars", "review"]))
def test_any_text_anywhere_gives_an_event_or_a_reask_never_an_exception(
    text: str, where: str
) -> None:
    prompt = {
        "fresh": card("cx-maturity"),
        "half": card("cx-maturity", AreaAnswer(current=2)),
        "pillars": card("cx-pillars", AreaAnswer(current=1, target=3)),
        "review": REVIEW,
    }[where]
    result = interpret(text, prompt, AREA_IDS)
    if isinstance(result, Answer):
        scale = IMPORTANCE_SCALE if result.ask is Ask.IMPORTANCE else prompt.scale  # type: ignore[union-attr]
        assert result.value in scale.values
    if isinstance(result, Answers):
        assert {result.current, result.target} <= set(MATURITY.values)
    if isinstance(result, WhichArea):
        assert where == "review" and 1 <= result.number <= len(AREA_IDS)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("un 2", 2),  # es: how a grade is said
        ("creo que 3", 3),
        ("eine 2", 2),  # de: "eine Zwei"
        ("ich denke 3", 3),
        ("eher 2", 2),
        ("a 2", 2),
        ("i think 3", 3),
        ("probably 2", 2),
        ("3 ish", 3),
        ("quizás 3", 3),
        ("más o menos 2", 2),
        ("ungefähr 2", 2),
    ],
)
def test_one_number_with_an_article_or_a_hedge_is_that_level(text: str, value: int) -> None:
    assert parse_reply(text, MATURITY) == LevelChoice(value)


@pytest.mark.parametrize(
    "text",
    [
        "not 2",  # a negation is never a level
        "nicht 3",
        "2 or 3",  # two numbers: which?
        "i think it is about a 3 now",  # a sentence, not a hedge
        "un 7",  # not on the scale
        "in 2 weeks",  # a time, not a level
        "3 people said so",
        "en 2 semanas",
        "seit 3 Jahren",
    ],
)
def test_a_hedged_number_is_asked_about_when_it_could_mean_something_else(text: str) -> None:
    assert isinstance(parse_reply(text, MATURITY), Unrecognized)
