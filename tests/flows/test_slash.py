"""The /cx-assess text parser."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.flows.slash import SlashCommand, SlashError, Sub, parse_slash


def test_bare_command_opens_the_start_modal() -> None:
    assert parse_slash("") == SlashCommand(Sub.START)
    assert parse_slash("  start ") == SlashCommand(Sub.START)


def test_start_with_escaped_mentions_deadline_and_language() -> None:
    parsed = parse_slash(
        "start CX-Maturity <@U123> <@W456|ana> <@U123> --deadline 2026-12-31 --lang=es"
    )
    assert parsed == SlashCommand(
        Sub.START, "cx-maturity", ("U123", "W456"), date(2026, 12, 31), "es"
    )


@pytest.mark.parametrize(
    "sub",
    [
        "status",
        "remind",
        "close",
        "cancel",
        "results",
        "history",
        "export",
        "frameworks",
        "help",
        "STATUS",
    ],
)
def test_simple_subcommands(sub: str) -> None:
    assert parse_slash(sub) == SlashCommand(Sub(sub.lower()))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("dance", "slash_unknown"),
        ("status now", "slash_no_arguments"),
        ("close now", "slash_no_arguments"),
        ("cancel anyway", "slash_no_arguments"),
        ("start cx-maturity --deadline", "slash_option_value"),
        ("start cx-maturity --deadline 31/12/2026", "slash_bad_deadline"),
        ("start cx-maturity --lang fr", "slash_bad_lang"),
        ("start cx-maturity --colour red", "slash_unknown_option"),
        ("start cx-maturity @ana", "slash_bad_mention"),
        ("start cx-maturity <#C123|general>", "slash_bad_mention"),
        ("start cx-maturity extra", "slash_extra_word"),
        ("start <@U1>", "slash_framework_missing"),
        ("start x " + "a" * 4000, "slash_too_long"),
    ],
)
def test_errors_name_what_is_wrong(text: str, key: str) -> None:
    result = parse_slash(text)
    assert isinstance(result, SlashError) and result.key == key


def test_close_anyway_overrides_the_withheld_areas_warning() -> None:
    assert parse_slash("close anyway") == SlashCommand(Sub.CLOSE, anyway=True)
    assert parse_slash("CLOSE Anyway") == SlashCommand(Sub.CLOSE, anyway=True)
    assert parse_slash("close") == SlashCommand(Sub.CLOSE)


@given(st.text(max_size=500))
def test_any_text_gives_a_command_or_an_error(text: str) -> None:
    assert isinstance(parse_slash(text), SlashCommand | SlashError)


def test_min_responses_per_round() -> None:
    parsed = parse_slash("start cx-pillars --min-responses 5")
    assert isinstance(parsed, SlashCommand) and parsed.min_responses == 5
    for bad in ("0", "1", "2", "x", "51", "²", "٣", "3.0", "+3"):
        error = parse_slash(f"start cx-pillars --min-responses {bad}")
        assert isinstance(error, SlashError) and error.key == "slash_bad_min"


def test_deadline_takes_one_day() -> None:
    assert parse_slash("deadline 2026-12-04") == SlashCommand(
        Sub.DEADLINE, deadline=date(2026, 12, 4)
    )
    assert parse_slash("deadline") == SlashError("slash_deadline_day")
    assert parse_slash("deadline 2026-12-04 18:00") == SlashError("slash_deadline_day")
    assert parse_slash("deadline friday") == SlashError("slash_bad_deadline", {"value": "friday"})
