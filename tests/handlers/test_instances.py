"""Two instances' handlers on one database: what one has received, the other must not apply
again (each instance its own `Store` and app, as two ``serve`` processes have)."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import aiohttp
import pytest

from bot.app import build_app
from bot.deps import Deps
from bot.handlers.middleware import apply_click, apply_typed, replay_kept
from bot.model import RoundStatus
from bot.storage import Store
from tests.handlers.conftest import TEAM, Harness, bundled, settle
from tests.handlers.test_plan import closed_round, dm_texts, make_action


@pytest.fixture
async def other(harness: Harness) -> AsyncIterator[Deps]:
    """A second instance on the harness's database and fake Slack."""
    settings = harness.deps.settings
    async with Store.open(settings.database) as store, aiohttp.ClientSession() as session:
        _, deps = build_app(settings, bundled(), store, clock=harness.clock, session=session)
        yield deps
        await settle()


async def test_a_typed_answer_one_instance_applies_while_another_starts_up_is_applied_once(
    harness: Harness, other: Deps
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    # Instance A keeps the typed answer before Slack gets its 200; B starts up meanwhile and
    # replays what it finds kept and not yet applied.
    event = {"type": "message", "channel_type": "im", "channel": "DU2", "user": "U2", "text": "3"}
    assert await h.deps.store.first_time("event:Ev-both", event)
    await asyncio.gather(apply_typed(h.deps, "event:Ev-both", event), replay_kept(other))
    round_ = await h.deps.store.open_round(TEAM, "C0001")
    assert round_ is not None
    person = await h.deps.store.participant(round_.id, "U2")
    assert person is not None
    answer = person.state.answers["data"]
    assert (answer.current, answer.target) == (3, None)  # not 3 again as the target
    assert await h.deps.store.undone_requests() == []


async def test_a_click_one_instance_applies_while_another_starts_up_is_applied_once(
    harness: Harness, other: Deps
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    key, click = h.kept("U2", "cx_skip")  # kept by instance A; B replays it meanwhile
    assert await h.deps.store.first_time(key, click)
    await asyncio.gather(apply_click(h.deps, key, click), replay_kept(other))
    await settle()
    round_ = await h.deps.store.open_round(TEAM, "C0001")
    assert round_ is not None
    person = await h.deps.store.participant(round_.id, "U2")
    assert person is not None and person.state.position == 1  # one card skipped, not two
    assert await h.deps.store.undone_requests() == []


async def both_tick(h: Harness, other: Deps) -> None:
    """Both instances' clocks tick at the same moment; then their background work ends."""
    await asyncio.gather(h.deps.rounds.tick(), other.rounds.tick())
    await settle()


def said(h: Harness, user: str, start: str) -> int:
    return sum(m["text"].startswith(start) for m in h.dm_messages(user))


async def test_two_instances_clocks_past_a_deadline_close_the_round_once_and_quietly(
    harness: Harness, other: Deps, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> --deadline 2026-11-25")
    await h.press("U2", "cx_start")
    await h.tap("U2", 2)
    h.clock.now += timedelta(hours=8)  # past 18:00 in Madrid
    with caplog.at_level(logging.WARNING):
        await both_tick(h, other)
    summaries = [m for m in h.slack.messages("C0001") if "cx_assess_summary" in str(m)]
    assert len(summaries) == 1
    assert len(h.slack.calls_to("files.completeUploadExternal")) == 2
    assert said(h, "U2", "Thank you! The assessment has closed") == 1
    assert [r.getMessage() for r in caplog.records] == []  # the losing close is no error


async def test_two_instances_clocks_remind_wake_and_start_the_next_run_once(
    harness: Harness, other: Deps
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> --deadline 2026-11-26 --every 2 weeks")
    await h.press("U1", "cx_snooze_hour", h.dm_messages("U1")[0])
    h.clock.now = h.clock.now.replace(day=26, hour=9, minute=30)  # Ben's reminder is due too
    await both_tick(h, other)
    assert said(h, "U1", "Aquí tiene el recordatorio que pidió") == 1
    assert said(h, "U2", "A friendly reminder") == 1
    await h.command("close anyway")
    h.clock.now = datetime.fromisoformat("2026-12-09T10:00:00+00:00")  # the next run is due
    await both_tick(h, other)
    rounds = await h.deps.store.rounds_in_channel(TEAM, "C0001")
    assert [r.status for r in rounds] == [RoundStatus.OPEN, RoundStatus.CLOSED]
    assert said(h, "U2", "<@ULEAD> invites you") == 2  # one invitation per round


async def test_two_instances_clocks_send_an_actions_reminder_and_the_digest_once(
    harness: Harness, other: Deps
) -> None:
    h = harness
    summary = await closed_round(h)
    await make_action(h, summary, owner="U3", due="2026-11-26")
    h.clock.now = datetime.fromisoformat("2026-11-27T10:00:00+00:00")  # working hours in Berlin
    await both_tick(h, other)
    await both_tick(h, other)
    assert len(dm_texts(h, "U3", "2026-11-26")) == 1
    assert len(dm_texts(h, "ULEAD", "Overdue")) == 1


async def test_a_claim_from_another_container_with_this_host_name_waits_for_its_lease(
    harness: Harness,
) -> None:
    """Two containers with host networking share a host name, but not their processes: the
    other's process id means nothing here (nor does this one's, taken by the other)."""
    posts_ = harness.deps.rounds.posts
    now = harness.clock()
    ended = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await ended.wait()
    for pid in (ended.pid, os.getpid()):
        there = f"{socket.gethostname()}:{pid}:their-run"
        assert not posts_.over(there, now)
        assert posts_.over(there, now - posts_.lease - timedelta(seconds=1))
