"""The reminder rule: timing, count, gap, working hours in the person's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.schedule import reminder_due

DEADLINE = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)  # Friday noon; reminders from Thursday noon
FIRST = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "tz", "sent", "last", "due"),
    [
        (FIRST, "Europe/Madrid", 0, None, True),  # 14:00 in Madrid
        (datetime(2026, 12, 3, 17, 0, tzinfo=UTC), "Europe/Madrid", 0, None, False),  # 18:00 there
        (
            datetime(2026, 12, 2, 13, 0, tzinfo=UTC),
            "Europe/Madrid",
            0,
            None,
            False,
        ),  # > 24 h before
        (datetime(2026, 12, 4, 12, 30, tzinfo=UTC), "Europe/Madrid", 0, None, False),  # too late
        (FIRST, "America/New_York", 0, None, False),  # 8:00 there
        (datetime(2026, 12, 3, 15, 0, tzinfo=UTC), "America/New_York", 0, None, True),  # 10:00
        (datetime(2026, 12, 4, 9, 0, tzinfo=UTC), "Europe/Madrid", 1, FIRST, True),  # 20 h later
        (datetime(2026, 12, 3, 15, 0, tzinfo=UTC), "Europe/Madrid", 1, FIRST, False),  # 2 h later
        (datetime(2026, 12, 4, 9, 0, tzinfo=UTC), "Europe/Madrid", 2, FIRST, False),  # at most two
        (FIRST, None, 0, None, True),  # unknown zone: UTC
        (FIRST, "Not/AZone", 0, None, True),
    ],
)
def test_reminder_due(now, tz, sent, last, due) -> None:
    assert reminder_due(now, DEADLINE, tz, sent, last) is due


def test_never_on_a_weekend() -> None:
    deadline = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # Monday noon
    sunday = deadline - timedelta(hours=20)  # Sunday 16:00
    assert reminder_due(sunday, deadline, "UTC", 0, None) is False
