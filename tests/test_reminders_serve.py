"""Reminders at most once against real ``serve --http`` processes: the lead's ``remind`` with
Slack answering 500 or timing out after posting, and ``kill -9`` while the clock's reminder is
in flight (see tests/test_exactly_once_serve.py for the harness)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.storage import Store
from tests.fakeslack import FakeSlack
from tests.test_exactly_once_serve import command, eventually, posts, server, slack, stop

pytestmark = pytest.mark.processes

__all__ = ["slack"]  # the fixture

PEOPLE = ["U01", "U02", "U03"]


def reminders(fake: FakeSlack, user: str) -> list[str]:
    return [
        m["text"] for m in fake.messages(f"D{user}") if m["text"].startswith("A friendly reminder")
    ]


def invited(fake: FakeSlack, people: list[str]) -> bool:
    return all(posts(fake, "invitation", f"D{user}") for user in people)


async def test_a_leads_remind_slack_answered_500_or_timed_out_for_counts_and_is_not_repeated(
    tmp_path: Path, slack: FakeSlack
) -> None:
    s = server(tmp_path, slack)
    await s.start()
    try:
        await command(s, slack, "start cx-pillars <@U01> <@U02> <@U03>")
        await eventually(lambda: invited(slack, PEOPLE))
        slack.fail_after("chat.postMessage", where=lambda p: p.get("channel") == "DU01")
        slack.hang_after("chat.postMessage", 2.0, where=lambda p: p.get("channel") == "DU02")
        assert await command(s, slack, "remind") == "Reminded 3 people who have not finished."
        assert await command(s, slack, "remind") == (
            "Nobody was reminded.\nLeft out 3 people who were reminded less than an hour ago."
        )
        await asyncio.sleep(0.3)  # the clock ran
    finally:
        await stop(s)
    assert [len(reminders(slack, user)) for user in PEOPLE] == [1, 1, 1]


def working_zone(now: datetime) -> str | None:
    """A time zone where ``now`` is well inside working hours on a weekday, if there is one."""
    for offset in range(-12, 15):
        zone = f"Etc/GMT{-offset:+d}" if offset else "UTC"  # Etc/GMT signs are inverted
        local = now.astimezone(ZoneInfo(zone))
        if local.weekday() < 5 and time(9, 30) <= local.time() < time(17, 30):
            return zone
    return None


async def test_kill_9_while_the_clocks_reminder_is_in_flight_reminds_once(
    tmp_path: Path, slack: FakeSlack
) -> None:
    now = datetime.now(UTC)
    zone = working_zone(now)
    if zone is None:  # from Saturday 06:00 to Sunday 19:00 UTC it is weekend everywhere
        pytest.skip("no time zone is in working hours on a weekday now")
    people = ["UZ1", "UZ2"]
    for user in people:
        slack.add_user(user, locale="en-US", tz=zone)
    s = server(tmp_path, slack)
    await s.start()
    await command(s, slack, "start cx-pillars <@UZ1> <@UZ2>")
    await eventually(lambda: invited(slack, people))
    with sqlite3.connect(s.env["CX_ASSESS_DB"]) as db:  # the deadline is near; invited long ago
        db.execute("UPDATE rounds SET deadline = ?", ((now + timedelta(hours=2)).isoformat(),))
        db.execute(
            "UPDATE participants SET invited_at = ?", ((now - timedelta(hours=13)).isoformat(),)
        )
    slack.hang_after("chat.postMessage", 5.0, times=2, where=lambda p: p["channel"] == "DUZ1")
    await eventually(lambda: len(reminders(slack, "UZ1")) == 1)
    await stop(s)  # posted, the answer not yet received
    slack.clear_rate_limits()
    await s.start()
    try:
        await eventually(lambda: len(reminders(slack, "UZ2")) == 1)  # the restart's first tick
        await asyncio.sleep(0.5)  # five more ticks: nobody is reminded twice
    finally:
        await stop(s)
    assert [len(reminders(slack, user)) for user in people] == [1, 1]
    async with Store.open(s.env["CX_ASSESS_DB"]) as store:
        assert [p.reminders_sent for p in await store.participants(1)] == [1, 1]
