"""When to remind: a pure rule, tested without a clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REMIND_BEFORE = timedelta(hours=24)
REMIND_GAP = timedelta(hours=12)
MAX_REMINDERS = 2
WORKDAY = (time(9, 0), time(18, 0))


def local_time(moment: datetime, tz: str | None) -> datetime:
    """``moment`` in the time zone ``tz`` (UTC when unknown)."""
    try:
        return moment.astimezone(ZoneInfo(tz)) if tz else moment
    except (ZoneInfoNotFoundError, ValueError):
        return moment


def reminder_due(
    now: datetime, deadline: datetime, tz: str | None, sent: int, last: datetime | None
) -> bool:
    """True when an unfinished participant should get a reminder now.

    From 24 hours before the deadline, at most two reminders, 12 hours apart, and only between
    9:00 and 18:00 on a weekday in the person's own time zone.
    """
    if sent >= MAX_REMINDERS or not (deadline - REMIND_BEFORE <= now < deadline):
        return False
    if last is not None and now - last < REMIND_GAP:
        return False
    local = local_time(now, tz)
    return local.weekday() < 5 and WORKDAY[0] <= local.time() < WORKDAY[1]
