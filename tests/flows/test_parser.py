"""Typed answers in English, Spanish and German."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.flows.interview import IMPORTANCE_SCALE, Decline, Invitation, Start
from bot.flows.parser import (
    Ambiguous,
    Command,
    CommandChoice,
    LevelChoice,
    Unrecognized,
    interpret,
    parse_command,
    parse_reply,
)
from bot.frameworks import load_catalog

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
    result = parse_reply(text, MATURITY)
    assert isinstance(result, LevelChoice | CommandChoice | Ambiguous | Unrecognized)
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
