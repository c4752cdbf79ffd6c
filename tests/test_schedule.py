"""The reminder rule: timing, count, gap, working hours in the person's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.schedule import reminder_due, snooze_until

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


INVITED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("now", "sent", "last", "due"),
    [
        (INVITED + timedelta(days=1), 0, INVITED, False),  # too soon after the invitation
        (INVITED + timedelta(days=2, hours=1), 0, INVITED, True),  # Wednesday 11:00 in Madrid
        (INVITED + timedelta(days=2, hours=9), 0, INVITED, False),  # 19:00 in Madrid
        (INVITED + timedelta(days=4), 1, INVITED + timedelta(days=2), False),  # 2 days after #1
        (INVITED + timedelta(days=5, hours=1), 1, INVITED + timedelta(days=2), False),  # Sat
        (INVITED + timedelta(days=7, hours=1), 1, INVITED + timedelta(days=2), True),  # Monday
        (INVITED + timedelta(days=12), 2, INVITED + timedelta(days=5), False),  # at most two
        (INVITED + timedelta(days=5), 0, None, False),  # never invited: nothing to remind of
    ],
)
def test_reminder_without_a_deadline_follows_the_cadence(now, sent, last, due) -> None:
    assert reminder_due(now, None, "Europe/Madrid", sent, last) is due


def test_an_open_ended_reminder_waits_for_a_weekday() -> None:
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    assert reminder_due(saturday, None, "UTC", 0, saturday - timedelta(days=3)) is False


def test_snooze_for_an_hour_or_until_nine_tomorrow_in_the_persons_zone() -> None:
    now = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)  # 23:30 in Madrid, 17:30 in New York
    assert snooze_until(now, "Europe/Madrid", tomorrow=False) == now + timedelta(hours=1)
    assert snooze_until(now, "Europe/Madrid", tomorrow=True) == datetime(
        2026, 12, 1, 8, 0, tzinfo=UTC
    )
    assert snooze_until(now, "America/New_York", tomorrow=True) == datetime(
        2026, 12, 1, 14, 0, tzinfo=UTC
    )
    assert snooze_until(now, None, tomorrow=True) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_far_deadline_also_gets_a_reminder_two_days_after_the_invitation() -> None:
    invited = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday; the deadline 14 days on
    deadline = invited + timedelta(days=14)
    assert not reminder_due(invited + timedelta(days=1), deadline, None, 0, invited)
    assert reminder_due(invited + timedelta(days=2), deadline, None, 0, invited)
    sent = invited + timedelta(days=2)
    assert not reminder_due(invited + timedelta(days=5), deadline, None, 1, sent)  # not again
    assert reminder_due(deadline - timedelta(hours=20), deadline, None, 1, sent)  # the last day


def test_a_snooze_ends_an_hour_before_the_deadline_at_the_latest() -> None:
    now = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
    deadline = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    assert snooze_until(now, "Europe/Madrid", tomorrow=True, deadline=deadline) == deadline - hour
    assert snooze_until(now, "Europe/Madrid", tomorrow=False, deadline=deadline) == now + hour
    late = deadline - timedelta(minutes=70)
    assert snooze_until(late, None, tomorrow=False, deadline=deadline) == deadline - hour
    assert snooze_until(deadline - hour, None, tomorrow=False, deadline=deadline) is None
