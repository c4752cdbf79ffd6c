"""Exactly once against real ``serve --http`` processes: Slack answering 500 or timing out
after posting, ``kill -9`` mid fan-out and mid summary, a close racing the clock, two
clocks on one database. The fake Slack injects the faults; a client timeout of 1 s (so a
claim's lease is 3 s) and a clock ticking every 0.1 s keep each test to a few seconds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import build_app
from bot.config import Settings
from bot.frameworks import load_catalog
from bot.storage import Store
from tests.fakeslack import FakeSlack
from tests.slack_requests import slash_command
from tests.test_serve import Server

pytestmark = pytest.mark.processes

PEOPLE = [f"U{i:02d}" for i in range(1, 21)]
CHANNEL = "C0001"


@asynccontextmanager
async def team_slack(people: list[str]) -> AsyncIterator[FakeSlack]:
    """The fake Slack with the lead and ``people`` in `CHANNEL`."""
    async with FakeSlack() as fake:
        for user in ["ULEAD", *people]:
            fake.add_user(user, locale="en-US")
        fake.add_channel(CHANNEL, ["ULEAD", *people])
        yield fake


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with team_slack(PEOPLE) as fake:
        yield fake


def server(tmp: Path, slack: FakeSlack) -> Server:
    """A server with a 1 s Slack timeout and a clock every 0.1 s."""
    s = Server(tmp, slack)
    s.env.update(CX_ASSESS_SLACK_TIMEOUT="1", CX_ASSESS_TICK_SECONDS="0.1", LOG_LEVEL="INFO")
    return s


def posts(slack: FakeSlack, event_type: str, channel: str = CHANNEL) -> list[dict[str, Any]]:
    return [
        m
        for m in slack.messages(channel)
        if (m.get("metadata") or {}).get("event_type") == f"cx_assess_{event_type}"
    ]


def invitations(slack: FakeSlack) -> list[int]:
    return [len(posts(slack, "invitation", f"D{user}")) for user in PEOPLE]


def in_channel(params: dict[str, Any]) -> bool:
    return bool(params.get("channel") == CHANNEL)


def to_people(params: dict[str, Any]) -> bool:
    return str(params.get("channel", "")).startswith("U")


async def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not hold in time")
        await asyncio.sleep(0.01)


async def eventually_all_invited(s: Server, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    async with Store.open(s.env["CX_ASSESS_DB"]) as store:
        while any(p.invited_at is None for p in await store.participants(1)):
            if time.monotonic() > deadline:
                raise TimeoutError("not everyone was recorded as invited")
            await asyncio.sleep(0.02)


async def command(s: Server, slack: FakeSlack, text: str) -> str:
    """Send ``/cx-assess text`` and return the reply the lead gets."""
    before = len(slack.responses)
    request = slash_command(
        text,
        user="ULEAD",
        team="T0001",
        channel=CHANNEL,
        response_url=slack.response_url("lead"),
        trigger_id=f"t-{time.monotonic()}",
    )
    assert await s.post(request) == 200
    replies = await slack.wait_for_responses(before + 1, timeout=10)
    return str(replies[-1]["text"])


async def stop(*servers: Server) -> None:
    for s in servers:
        if s.proc is not None and s.proc.returncode is None:
            s.kill()
            await s.proc.wait()


async def test_an_announcement_and_a_summary_slack_answered_500_for_appear_once(
    tmp_path: Path, slack: FakeSlack
) -> None:
    s = server(tmp_path, slack)
    await s.start()
    slack.fail_after("chat.postMessage", where=in_channel)
    try:
        # The reply counts what was sent by then; the clock may be sending some at once.
        assert (await command(s, slack, "start cx-pillars")).startswith("Invited ")
        await eventually(lambda: all(invitations(slack)))
        slack.fail_after("chat.postMessage", where=in_channel)
        assert await command(s, slack, "close anyway") == (
            "The round is closed and the summary is in the channel."
        )
        await asyncio.sleep(0.3)  # the clock ran a few times
    finally:
        await stop(s)
    assert len(posts(slack, "announcement")) == 1
    assert invitations(slack) == [1] * 20
    assert len(posts(slack, "summary")) == 1
    async with Store.open(s.env["CX_ASSESS_DB"]) as store:
        round_ = await store.get_round(1)
    assert round_ is not None and round_.announce_ts == posts(slack, "announcement")[0]["ts"]
    assert '"POST /slack/events' not in s.log.read_text()  # no line per request at INFO


async def test_a_summary_whose_answer_timed_out_is_found_not_posted_again(
    tmp_path: Path, slack: FakeSlack
) -> None:
    s = server(tmp_path, slack)
    await s.start()
    try:
        await command(s, slack, "start cx-pillars <@U01>")
        slack.hang_after("chat.postMessage", 2.0, where=in_channel)  # past the 1 s timeout
        assert await command(s, slack, "close anyway") == (
            "The round is closed and the summary is in the channel."
        )
        await asyncio.sleep(0.3)  # the clock ran
    finally:
        await stop(s)
    assert len(posts(slack, "summary")) == 1
    to_channel = [c for c in slack.calls_to("chat.postMessage") if in_channel(c.params)]
    assert len(to_channel) == 2  # the announcement and one summary: never tried again


async def test_kill_9_during_the_fan_out_invites_everyone_exactly_once(
    tmp_path: Path, slack: FakeSlack
) -> None:
    s = server(tmp_path, slack)
    await s.start()
    # The first invitations are posted, then their answers hang: kill -9 lands mid-flight.
    slack.hang_after("chat.postMessage", 5.0, times=len(PEOPLE), where=to_people)
    request = slash_command(
        "start cx-pillars", user="ULEAD", team="T0001", channel=CHANNEL,
        response_url=slack.response_url("lead"), trigger_id="t-fan-out",
    )  # fmt: skip
    assert await s.post(request) == 200
    await eventually(lambda: sum(invitations(slack)) >= 10)
    await stop(s)
    slack.clear_rate_limits()  # no more hanging answers
    await s.start()
    try:
        await eventually(lambda: all(invitations(slack)))
        await eventually_all_invited(s)  # the claims the kill left were looked for
        await asyncio.sleep(0.3)
    finally:
        await stop(s)
    assert invitations(slack) == [1] * 20
    assert len(posts(slack, "announcement")) == 1
    assert slack.calls_to("conversations.history")  # the claims the kill left were looked for


async def test_kill_9_during_the_summary_post_posts_it_once_after_restart(
    tmp_path: Path, slack: FakeSlack
) -> None:
    s = server(tmp_path, slack)
    await s.start()
    await command(s, slack, "start cx-pillars <@U01> <@U02>")
    slack.hang_after("chat.postMessage", 5.0, where=in_channel)
    request = slash_command(
        "close anyway", user="ULEAD", team="T0001", channel=CHANNEL,
        response_url=slack.response_url("lead"), trigger_id="t-close",
    )  # fmt: skip
    assert await s.post(request) == 200
    await eventually(lambda: len(posts(slack, "summary")) == 1)
    await stop(s)  # posted, the answer not yet received
    await s.start()
    try:
        await eventually(lambda: len(slack.calls_to("files.completeUploadExternal")) == 2)
        await asyncio.sleep(0.3)
    finally:
        await stop(s)
    assert len(posts(slack, "summary")) == 1
    assert len(slack.calls_to("conversations.history")) == 1  # found, so not posted again
    assert len(slack.calls_to("files.completeUploadExternal")) == 2  # chart and report, once
    async with Store.open(s.env["CX_ASSESS_DB"]) as store:
        round_ = await store.get_round(1)
    assert round_ is not None and round_.summary_ts == posts(slack, "summary")[0]["ts"]


async def test_a_close_racing_the_clock_posts_one_summary(tmp_path: Path, slack: FakeSlack) -> None:
    s = server(tmp_path, slack)
    await s.start()
    try:
        await command(s, slack, "start cx-pillars <@U01>")
        # The summary's answer takes 0.6 s (under the timeout); the clock ticks meanwhile.
        slack.hang_after("chat.postMessage", 0.6, where=in_channel)
        assert await command(s, slack, "close anyway") == (
            "The round is closed and the summary is in the channel."
        )
        await asyncio.sleep(0.3)
    finally:
        await stop(s)
    assert len(posts(slack, "summary")) == 1


async def clock_beside(s: Server, slack: FakeSlack, stop: asyncio.Event) -> None:
    """A second app on the same database file running only its clock, as fast as the server's:
    what an overlapping deploy or a one-off maintenance process would do. (A second `serve` on
    one SQLite file refuses to start; see tests/test_startup.py.)"""
    settings = Settings.from_env(s.env)
    async with Store.open(settings.database) as store, aiohttp.ClientSession() as session:
        _, deps = build_app(settings, load_catalog(), store, session=session)
        while not stop.is_set():
            await deps.rounds.tick()
            await asyncio.sleep(settings.tick_seconds)


async def test_two_clocks_on_one_database_post_everything_once(
    tmp_path: Path, slack: FakeSlack
) -> None:
    first = server(tmp_path, slack)
    await first.start()
    stop_second = asyncio.Event()
    second = asyncio.create_task(clock_beside(first, slack, stop_second))
    try:
        # A storm leaves 15 people uninvited; both clocks retry them, each post hangs a little.
        slack.fail_next("chat.postMessage", "ratelimited", status=200, times=15, where=to_people)
        slack.hang_after("chat.postMessage", 0.5, times=40, where=to_people)
        assert (await command(first, slack, "start cx-pillars")).startswith("Invited")
        await eventually(lambda: all(invitations(slack)))
        slack.fail_next("chat.postMessage", "channel_is_archived", where=in_channel)
        closing = await command(first, slack, "close anyway")
        # Whichever of the close and the two clocks claims the summary first meets the refusal.
        assert "Slack refused the summary" in closing or "The round is closed" in closing
        slack.hang_after("chat.postMessage", 0.5, times=5, where=in_channel)
        await eventually(lambda: len(posts(slack, "summary")) == 1)
        await asyncio.sleep(0.3)
    finally:
        stop_second.set()
        await second
        await stop(first)
    assert len(posts(slack, "announcement")) == 1
    assert invitations(slack) == [1] * 20
    assert len(posts(slack, "summary")) == 1
