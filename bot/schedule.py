"""When to remind: a pure rule, tested without a clock."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REMIND_BEFORE = timedelta(hours=24)
REMIND_GAP = timedelta(hours=12)
OPEN_ENDED_GAPS = (timedelta(days=2), timedelta(days=3))
"""Without a deadline: the first reminder 2 days after the invitation, the second 3 days later."""
MAX_REMINDERS = 2
WORKDAY = (time(9, 0), time(18, 0))
SNOOZE_HOUR = timedelta(hours=1)
SNOOZE_BEFORE_CLOSE = timedelta(
    hours=1
)  # a snooze ends this long before the deadline, at the latest
MORNING = time(9, 0)


def local_time(moment: datetime, tz: str | None) -> datetime:
    """``moment`` in the time zone ``tz`` (UTC when unknown)."""
    try:
        return moment.astimezone(ZoneInfo(tz)) if tz else moment
    except (ZoneInfoNotFoundError, ValueError):
        return moment


def working_hours(now: datetime, tz: str | None) -> bool:
    """9:00 to 18:00 on a weekday in the time zone ``tz``."""
    local = local_time(now, tz)
    return local.weekday() < 5 and WORKDAY[0] <= local.time() < WORKDAY[1]


def reminder_due(
    now: datetime, deadline: datetime | None, tz: str | None, sent: int, last: datetime | None
) -> bool:
    """True when an unfinished participant should get a reminder now.

    ``last`` is the previous reminder, or the invitation. With a deadline: from 24 hours before
    it, 12 hours apart; when it is far off (a recurring round's two weeks), also the first
    reminder 2 days after the invitation, so the only one is not on the last day. Without one: 2
    days after the invitation, then 3 days after that. At most two either way, and only between
    9:00 and 18:00 on a weekday in the person's own time zone.
    """
    if sent >= MAX_REMINDERS:
        return False
    early = (
        deadline is not None
        and sent == 0
        and last is not None
        and now - last >= OPEN_ENDED_GAPS[0]
        and now < deadline - REMIND_BEFORE
    )
    if deadline is not None and not early:
        if not (deadline - REMIND_BEFORE <= now < deadline):
            return False
        if last is not None and now - last < REMIND_GAP:
            return False
    elif last is None or now - last < OPEN_ENDED_GAPS[sent]:
        return False
    return working_hours(now, tz)


def snooze_until(
    now: datetime, tz: str | None, *, tomorrow: bool, deadline: datetime | None = None
) -> datetime | None:
    """When a snooze ends: in an hour, or at 9:00 tomorrow in the person's zone; no later than
    `SNOOZE_BEFORE_CLOSE` before the ``deadline`` (a reminder after the close is no reminder),
    and None when that has passed already."""
    if tomorrow:
        local = local_time(now, tz)
        day = local.date() + timedelta(days=1)
        until = datetime.combine(day, MORNING, tzinfo=local.tzinfo).astimezone(now.tzinfo)
    else:
        until = now + SNOOZE_HOUR
    if deadline is None:
        return until
    latest = deadline - SNOOZE_BEFORE_CLOSE
    return min(until, latest) if latest > now else None
