"""Replies with a number that is not a level (a time, a count, a comparison, a target) are asked
about, never recorded as today's level."""

from __future__ import annotations

import pytest

from bot.flows.interview import Answer
from bot.flows.parser import LevelChoice, parse_reply
from bot.frameworks import load_catalog

MATURITY = load_catalog().get("cx-maturity").scale


@pytest.mark.parametrize(
    "text",
    [
        "3 people said so",
        "in 2 weeks",
        "en 2 semanas",
        "in 2 Wochen",
        "seit 2 Jahren",
        "hace 3 años",
        "less than 3",
        "weniger als 3",
        "more than 2",
        "3 is too high",
        "nie 3",
        "only 2 teams",
    ],
)
def test_a_number_that_is_not_a_level_is_asked_about(text: str) -> None:
    assert not isinstance(parse_reply(text, MATURITY), LevelChoice)


@pytest.mark.parametrize("text", ["target 4", "objetivo 4", "Ziel 4", "4 in a year", "4 next year"])
def test_a_target_typed_on_a_card_is_not_todays_level(text: str) -> None:
    # on a card asking today's level and the target, this is the target, never today's level
    parsed = parse_reply(text, MATURITY, pair=True)
    assert not isinstance(parsed, LevelChoice), parsed
    assert not isinstance(parsed, Answer)
