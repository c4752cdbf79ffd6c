"""An action's due reminder at most once: one Slack may have posted (a 500 after posting) is not
sent again, and an owner Slack refuses for good holds up nobody else's."""

from __future__ import annotations

from datetime import datetime

from tests.handlers.conftest import Harness
from tests.handlers.test_plan import closed_round, dm_texts, make_action

DUE = "2026-11-26"
FRIDAY = datetime.fromisoformat("2026-11-27T10:00:00+00:00")  # working hours in Berlin


async def test_a_due_reminder_slack_answered_500_for_is_not_sent_again(harness: Harness) -> None:
    h = harness
    summary = await closed_round(h)
    await make_action(h, summary, owner="U3", due=DUE)
    h.clock.now = FRIDAY
    for _ in range(3):
        h.slack.fail_after("chat.postMessage", where=lambda p: p.get("channel") == "U3")
        await h.deps.rounds.tick()
    assert len(dm_texts(h, "U3", DUE)) == 1


async def test_an_owner_slack_refuses_for_good_holds_up_nobody_elses_reminder(
    harness: Harness,
) -> None:
    h = harness
    summary = await closed_round(h)
    await make_action(h, summary, owner="U3", due=DUE)  # first in order
    await make_action(h, summary, owner="U2", due=DUE)
    h.clock.now = FRIDAY
    h.slack.fail_next(
        "chat.postMessage", "channel_not_found", times=50, where=lambda p: p.get("channel") == "U3"
    )
    await h.deps.rounds.tick()
    assert len(dm_texts(h, "U2", DUE)) == 1
    await h.deps.rounds.tick()
    refused = [c for c in h.slack.calls_to("chat.postMessage") if c.error == "channel_not_found"]
    assert len(refused) == 1  # refused for good: not tried again


async def test_a_digest_slack_refused_for_a_rate_limit_is_sent_at_the_next_tick(
    harness: Harness,
) -> None:
    h = harness
    summary = await closed_round(h)
    await make_action(h, summary, owner="U3", due=DUE)
    h.clock.now = FRIDAY
    h.slack.fail_next(
        "chat.postMessage", "ratelimited", status=200, where=lambda p: p.get("channel") == "ULEAD"
    )
    await h.deps.rounds.tick()
    assert dm_texts(h, "ULEAD", "Overdue") == []  # certainly not posted: given back
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    assert len(dm_texts(h, "ULEAD", "Overdue")) == 1  # not a week later, and once
