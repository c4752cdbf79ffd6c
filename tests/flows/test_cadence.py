"""Recurring rounds' cadence: the words, the limits, and when the next run falls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.flows.cadence import Cadence, parse_cadence
from bot.flows.slash import SlashCommand, SlashError, Sub, parse_slash


@pytest.mark.parametrize(
    ("text", "cadence"),
    [
        ("quarter", Cadence(months=3)),
        ("Quartal", Cadence(months=3)),
        ("month", Cadence(months=1)),
        ("mes", Cadence(months=1)),
        ("1 week", Cadence(weeks=1)),
        ("2 weeks", Cadence(weeks=2)),
        ("2weeks", Cadence(weeks=2)),
        ("52  Wochen", Cadence(weeks=52)),
        ("6 semanas", Cadence(weeks=6)),
    ],
)
def test_cadence_words_in_three_languages(text: str, cadence: Cadence) -> None:
    assert parse_cadence(text) == cadence
    assert Cadence.from_key(cadence.key) == cadence


@pytest.mark.parametrize(
    "text",
    ["", "0 weeks", "53 weeks", "fortnight", "２ weeks", "2", "weeks", "-1 weeks", "1.5 weeks"],
)
def test_other_cadences_are_refused(text: str) -> None:
    assert parse_cadence(text) is None


def test_months_keep_the_day_or_take_the_months_last() -> None:
    jan31 = datetime(2027, 1, 31, 9, 30, tzinfo=UTC)
    assert Cadence(months=1).after(jan31) == datetime(2027, 2, 28, 9, 30, tzinfo=UTC)
    assert Cadence(months=3).after(datetime(2026, 11, 30, tzinfo=UTC)) == datetime(
        2027, 2, 28, tzinfo=UTC
    )
    assert Cadence(weeks=2).after(jan31) == datetime(2027, 2, 14, 9, 30, tzinfo=UTC)


def test_missed_runs_are_skipped_without_drift() -> None:
    scheduled = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    late = datetime(2027, 1, 10, tzinfo=UTC)
    assert Cadence(weeks=2).next_after(scheduled, late) == datetime(2027, 1, 12, 9, 0, tzinfo=UTC)


def test_start_takes_every_in_the_slash_command() -> None:
    assert parse_slash("start cx-pillars --every 2 weeks <@U1>") == SlashCommand(
        Sub.START, "cx-pillars", ("U1",), every=Cadence(weeks=2)
    )
    assert parse_slash("start cx-pillars --every=quarter").every == Cadence(months=3)  # type: ignore[union-attr]
    assert parse_slash("start --every month") == SlashError("slash_framework_missing")
    assert parse_slash("start cx-pillars --every 60 weeks") == SlashError(
        "slash_bad_every", {"value": "60 weeks"}
    )
    assert parse_slash("start cx-pillars --every") == SlashError(
        "slash_option_value", {"option": "--every"}
    )


@pytest.mark.parametrize("sub", ["actions", "schedule"])
def test_actions_and_schedule_take_no_arguments(sub: str) -> None:
    assert parse_slash(sub) == SlashCommand(Sub(sub))
    assert parse_slash(f"{sub} now") == SlashError("slash_no_arguments", {"sub": sub})


@pytest.mark.parametrize(
    ("key", "days"),
    [("quarter", 14), ("month", 14), ("3w", 14), ("2w", 13), ("1w", 6)],
)
def test_a_run_without_deadline_closes_within_14_days_and_before_the_next(
    key: str, days: int
) -> None:
    start = datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
    cadence = Cadence.from_key(key)
    assert cadence.open_days(start) == days
    assert start + timedelta(days=days + 1) <= cadence.after(start)
