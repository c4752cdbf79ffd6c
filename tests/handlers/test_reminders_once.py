"""Reminders at most once: recorded before they are sent, so a post Slack answered 500 for is
never repeated, a double click on *Remind* reminds once, and the lead hears who was left out."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from tests.handlers.conftest import Harness, settle
from tests.handlers.test_rounds import reply

REMINDERS = ("A friendly reminder", "Un recordatorio", "Eine freundliche Erinnerung")


def reminders(h: Harness, user: str) -> list[str]:
    return [m["text"] for m in h.dm_messages(user) if m["text"].startswith(REMINDERS)]


def to_dm(params: dict[str, Any]) -> bool:
    return str(params.get("channel", "")).startswith("D")


async def due_reminder(h: Harness) -> None:
    """A round closing tomorrow for Ben (London), the clock at 09:30 on the day: due."""
    await h.command("start cx-pillars <@U2> --deadline 2026-11-26")
    h.clock.now = h.clock.now.replace(day=26, hour=9, minute=30)


async def test_an_automatic_reminder_slack_answered_500_for_is_not_sent_again(
    harness: Harness,
) -> None:
    h = harness
    await due_reminder(h)
    for _ in range(5):
        h.slack.fail_after("chat.postMessage", where=to_dm)
        await h.deps.rounds.tick()
        h.clock.now += timedelta(minutes=1)
    assert len(reminders(h, "U2")) == 1
    person = await h.deps.store.participant(1, "U2")
    assert person is not None and person.reminders_sent == 1


async def test_an_automatic_reminder_slack_refused_for_a_rate_limit_is_sent_next_time(
    harness: Harness,
) -> None:
    h = harness
    await due_reminder(h)
    h.slack.fail_next("chat.postMessage", "ratelimited", status=200, where=to_dm)
    await h.deps.rounds.tick()
    assert reminders(h, "U2") == []  # Slack certainly did not post it: given back
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    assert len(reminders(h, "U2")) == 1


async def test_a_double_click_on_home_remind_reminds_each_person_once(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2> <@U3>")
    await asyncio.gather(
        *(h.click("ULEAD", "cx_home_remind", "1", channel="DULEAD", ts="1.1") for _ in range(2))
    )
    await settle()
    assert len(reminders(h, "U2")) == 1 and len(reminders(h, "U3")) == 1
    told = [m["text"] for m in h.dm_messages("ULEAD") if m["text"].startswith("Reminded")]
    assert len(told) == 2 and sum("Left out" in text for text in told) >= 1  # each click told


async def test_a_second_remind_within_an_hour_leaves_out_who_was_reminded_and_says_so(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2> <@U3>")
    h.slack.fail_after("chat.postMessage", where=to_dm)  # Slack posts one, then answers 500
    await h.command("remind")
    assert reply(h) == "Reminded 2 people who have not finished."  # the unconfirmed one counts
    h.clock.now += timedelta(minutes=59)
    await h.command("remind")
    assert reply(h) == (
        "Reminded 0 people who have not finished.\n"
        "Left out 2 people who were reminded less than an hour ago."
    )
    assert len(reminders(h, "U2")) == 1 and len(reminders(h, "U3")) == 1
    h.clock.now += timedelta(minutes=1)
    await h.command("remind")
    assert reply(h) == "Reminded 2 people who have not finished."
    assert len(reminders(h, "U2")) == 2 and len(reminders(h, "U3")) == 2
