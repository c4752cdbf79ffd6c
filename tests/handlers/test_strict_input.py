"""Strict input in Slack: every bad value gets a clear reply, never silence or a generic error."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.handlers.conftest import CHANNEL, TEAM, Harness
from tests.handlers.test_rounds import reply


@pytest.mark.parametrize(
    ("deadline", "answer"),
    [
        (
            "9999-12-31",
            "The deadline 9999-12-31 is more than a year away: pick a day until 2027-11-26.",
        ),
        (
            "2027-11-27",
            "The deadline 2027-11-27 is more than a year away: pick a day until 2027-11-26.",
        ),
        ("2026-11-24", "The deadline 2026-11-24 has already passed."),
    ],
)
async def test_a_deadline_in_the_past_or_over_a_year_ahead_is_refused(
    harness: Harness, deadline: str, answer: str
) -> None:
    h = harness
    await h.command(f"start cx-pillars <@U1> --deadline {deadline}")
    assert reply(h) == answer
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None
    await h.command("start cx-pillars <@U1> --deadline 2027-11-26")
    invited, next_, heads_up = reply(h).splitlines()
    assert invited == "Invited 1 person by DM."
    assert next_.startswith("It closes Fri, Nov 26, 18:00 CET and posts the summary in <#C0001>")
    assert heads_up.startswith("Heads-up: with 1 person invited,")


@pytest.mark.parametrize("value", ["²", "٣", "３"])
async def test_a_number_in_other_digits_gets_a_clear_reply(harness: Harness, value: str) -> None:
    h = harness
    await h.command(f"start cx-pillars <@U1> --min-responses {value}")
    assert reply(h).startswith(
        f"The minimum answers per area is a whole number from 3 to 50 (with fewer, an area's "
        f"level could be one person's answer), not `{value}`."
    )


async def test_people_named_who_cannot_be_invited_are_listed_with_the_reason_even_if_all(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@UROBOT> <@UGONE> <@UNOBODY>")
    assert reply(h) == (
        "Nobody to invite: none of the people named can take part.\n"
        "Could not reach <@UROBOT>: is_bot\n"
        "Could not reach <@UGONE>: deactivated\n"
        "Could not reach <@UNOBODY>: user_not_found"
    )
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None


async def test_a_lead_west_of_utc_may_start_a_round_that_closes_today_their_time(
    harness: Harness,
) -> None:
    """Checked against the lead's own today (their date picker's), not the server's UTC date."""
    h = harness
    h.slack.add_user("ULA", name="lou", tz="America/Los_Angeles", tz_offset=-28800)
    h.clock.now = datetime.fromisoformat("2026-11-26T00:30:00+00:00")  # Nov 25, 16:30 in LA
    await h.command("start cx-pillars <@U1> <@U2> <@U3> --deadline 2026-11-25", user="ULA")
    assert reply(h).startswith("Invited 3 people by DM.\nIt closes Wed, Nov 25, 18:00 PST")
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None and round_.deadline is not None
    assert round_.deadline.isoformat() == "2026-11-26T02:00:00+00:00"
