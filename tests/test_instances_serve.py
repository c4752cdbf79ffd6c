"""Two ``serve --http`` instances on one PostgreSQL, as behind a load balancer: started at the
same moment on a fresh database, requests alternated between them, one killed with ``kill -9``
mid fan-out, double clicks and retried events reaching both at once; everything happens once.
(See tests/test_exactly_once_serve.py for the harness: a 1 s Slack timeout, a 0.2 s clock.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.storage import Store
from bot.storage.schema import POSTGRES
from tests.fakeslack import FakeSlack
from tests.slack_requests import SlackRequest, block_actions, dm_message, event_callback
from tests.test_exactly_once_serve import (
    command,
    eventually,
    posts,
    server,
    stop,
    team_slack,
    to_people,
)
from tests.test_serve import Server

pytestmark = pytest.mark.processes

PEOPLE = [f"U{i:02d}" for i in range(1, 41)]
QUESTION = "cx_assess_question"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with team_slack(PEOPLE) as fake:
        yield fake


def instance(
    tmp: Path, slack: FakeSlack, database: str, name: str, tick: str | None = None
) -> Server:
    """A server on ``database`` that logs to ``<name>.log`` (its clock every ``tick`` s)."""
    s = server(tmp, slack)
    s.env["CX_ASSESS_DB"] = database
    if tick is not None:
        s.env["CX_ASSESS_TICK_SECONDS"] = tick
    s.log = tmp / f"{name}.log"
    return s


def invitations(slack: FakeSlack) -> list[int]:
    return [len(posts(slack, "invitation", f"D{user}")) for user in PEOPLE]


def questions(slack: FakeSlack, user: str) -> list[dict[str, Any]]:
    return [
        m
        for m in slack.messages(f"D{user}")
        if (m.get("metadata") or {}).get("event_type") == QUESTION
    ]


def press(user: str, message: dict[str, Any], block_id: str, action_id: str) -> SlackRequest:
    """A click on the button ``action_id`` in the block ``block_id`` of ``message``."""
    button = next(
        e
        for b in message["blocks"]
        if b["type"] == "actions" and b.get("block_id", "").startswith(block_id)
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    return block_actions(
        user, "T0001", action_id, button["value"], channel=f"D{user}", ts=str(message["ts"])
    )


async def everyone(users: list[str], work: Callable[[int, str], Awaitable[None]]) -> None:
    """``work(i, user)`` for every user, a few at a time (as people click: not all at once)."""
    limit = asyncio.Semaphore(8)

    async def one(i: int, user: str) -> None:
        async with limit:
            await work(i, user)

    await asyncio.gather(*(one(i, user) for i, user in enumerate(users)))


def thanks(slack: FakeSlack, user: str) -> list[str]:
    return [m["text"] for m in slack.messages(f"D{user}") if m["text"].startswith("Thank you!")]


def picked(i: int) -> tuple[int, int]:
    """The ``i``-th person's current and target level of the first area."""
    return 1 + i % 2, 2 + i % 2


async def claims_in_flight(s: Server, database: str, timeout: float = 30.0) -> None:
    """Wait until ``s`` holds a claim on an invitation (sent or about to be, not recorded)."""
    assert s.proc is not None
    deadline = time.monotonic() + timeout
    conn = await asyncpg.connect(database)
    try:
        while not await conn.fetchval(
            "SELECT count(*) FROM posts WHERE kind = 'invitation' AND state = 'claimed'"
            " AND claimed_by LIKE $1",
            f"%:{s.proc.pid}:%",
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{s.log.name} claimed no invitation")
            await asyncio.sleep(0.02)
    finally:
        await conn.close()


async def first_card(slack: FakeSlack, user: str) -> dict[str, Any]:
    await eventually(lambda: bool(questions(slack, user)))
    return questions(slack, user)[0]


async def test_two_instances_on_one_postgresql_do_everything_once(
    tmp_path: Path, slack: FakeSlack, pg_empty_url: str
) -> None:
    a = instance(tmp_path, slack, pg_empty_url, "a")
    # B's clock is slower, so that A, which gets the command, takes the first (hanging)
    # invitations however loaded the machine is; B's clock still finishes the fan-out
    b = instance(tmp_path, slack, pg_empty_url, "b", tick="1")
    await asyncio.gather(a.start(), b.start())  # both migrate the fresh database at once
    pair = (a, b)
    try:
        conn = await asyncpg.connect(pg_empty_url)
        try:
            versions = [r[0] for r in await conn.fetch("SELECT version FROM cx_assess_schema")]
        finally:
            await conn.close()
        assert sorted(versions) == list(range(1, len(POSTGRES) + 1))

        # The fan-out: the first invitations are posted but their answers hang past the 1 s
        # timeout, so A dies holding claims for posts Slack made (B looks for them before
        # taking over; had A lived, it would have looked itself).
        slack.hang_after("chat.postMessage", 5.0, times=6, where=to_people)
        starting = asyncio.create_task(command(a, slack, "start cx-pillars"))
        await claims_in_flight(a, pg_empty_url)
        starting.cancel()
        await stop(a)
        slack.clear_rate_limits()
        await a.start()  # back, while B's clock finishes the fan-out
        await eventually(lambda: all(invitations(slack)))

        # Everyone starts, alternating instances. (A second Start brings the card down again,
        # on one instance as on two: that is what Start does, so nobody double-clicks it here.)
        async def start(i: int, user: str) -> None:
            invitation = posts(slack, "invitation", f"D{user}")[0]
            assert await pair[i % 2].post(press(user, invitation, "", "cx_start")) == 200

        await everyone(PEOPLE, start)

        # The first card: today's level, the target, then the importance (the click that moves
        # on), double clicked on both instances at once by every other person. Every fourth
        # person types today's level instead: one event (one event_id) reaching A and B at
        # once, then retried to A.
        async def answer(i: int, user: str) -> None:
            card = await first_card(slack, user)
            current, target = picked(i)
            own = pair[i % 2]
            if i % 4 == 3:
                typed = event_callback(
                    dm_message(user, str(current)), team="T0001", event_id=f"E{user}"
                )
                assert await asyncio.gather(a.post(typed), b.post(typed)) == [200, 200]
                assert await a.post(typed) == 200
            else:
                assert (
                    await own.post(press(user, card, "q|data|current", f"cx_answer_{current}"))
                    == 200
                )
            assert await own.post(press(user, card, "q|data|target", f"cx_answer_{target}")) == 200
            click = press(user, card, "q|data|importance", "cx_answer_2")
            targets = pair if i % 2 == 0 else (own,)
            assert await asyncio.gather(*(s.post(click) for s in targets)) == [200] * len(targets)

        await everyone(PEOPLE, answer)
        await eventually(lambda: all(len(questions(slack, u)) >= 2 for u in PEOPLE))
        assert await command(b, slack, "close anyway") == (
            "The round is closed and the summary is in the channel."
        )
        await eventually(lambda: len(slack.calls_to("files.completeUploadExternal")) >= 2)
        await asyncio.sleep(0.5)  # both clocks ran a few more times
    finally:
        await stop(*pair)
    assert invitations(slack) == [1] * len(PEOPLE)
    assert [len(questions(slack, u)) for u in PEOPLE] == [2] * len(PEOPLE)  # one next question
    assert slack.calls_to("conversations.history")  # the claims A left were looked for
    assert len(posts(slack, "announcement")) == 1
    assert len(posts(slack, "summary")) == 1
    assert len(slack.calls_to("files.completeUploadExternal")) == 2  # chart and report, once
    async with Store.open(pg_empty_url) as store:
        answers = await store.answers(1)
    got = {u: (answers[u]["data"].current, answers[u]["data"].target) for u in PEOPLE}
    assert got == {u: picked(i) for i, u in enumerate(PEOPLE)}
    assert {answers[u]["data"].importance for u in PEOPLE} == {2}
    for s in pair:
        assert "Traceback" not in s.log.read_text()
        assert f"database: {pg_empty_url} (postgresql)" in s.log.read_text()


async def test_two_instances_clocks_closing_one_deadline_round_post_one_summary(
    tmp_path: Path, slack: FakeSlack, pg_url: str
) -> None:
    a, b = instance(tmp_path, slack, pg_url, "a"), instance(tmp_path, slack, pg_url, "b")
    for s in (a, b):
        s.env["LOG_LEVEL"] = "INFO"
    await asyncio.gather(a.start(), b.start())
    people = PEOPLE[:6]
    try:
        await command(a, slack, "start " + " ".join(f"<@{u}>" for u in people) + " cx-pillars")
        await eventually(lambda: all(posts(slack, "invitation", f"D{u}") for u in people))
        for i, user in enumerate(people[:4]):  # four answer a question; two never start
            s = (a, b)[i % 2]
            invitation = posts(slack, "invitation", f"D{user}")[0]
            assert await s.post(press(user, invitation, "", "cx_start")) == 200
            card = await first_card(slack, user)
            assert await s.post(press(user, card, "q|data|current", "cx_answer_2")) == 200
        async with Store.open(pg_url) as store:  # committed before the deadline passes
            while len(await store.answers(1)) < 4:
                await asyncio.sleep(0.05)
        conn = await asyncpg.connect(pg_url)  # the deadline passes under both clocks at once
        try:
            past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
            await conn.execute("UPDATE rounds SET deadline = $1", past)
        finally:
            await conn.close()
        await eventually(lambda: len(slack.calls_to("files.completeUploadExternal")) >= 2)
        await eventually(lambda: all(thanks(slack, u) for u in people[:4]))
        await asyncio.sleep(0.3)  # both clocks ran a few more times
    finally:
        await stop(a, b)
    assert len(posts(slack, "summary")) == 1
    assert len(slack.calls_to("files.completeUploadExternal")) == 2  # chart and report, once
    assert [len(thanks(slack, u)) for u in people] == [1, 1, 1, 1, 0, 0]
    for s in (a, b):  # the losing close is no error
        assert "ERROR" not in s.log.read_text() and "Traceback" not in s.log.read_text()


async def test_a_typed_answer_an_instance_died_before_applying_is_applied_by_anothers_clock(
    tmp_path: Path, slack: FakeSlack, pg_url: str
) -> None:
    b = instance(tmp_path, slack, pg_url, "b")
    await b.start()
    try:
        await command(b, slack, "start cx-pillars <@U01>")
        await eventually(lambda: bool(posts(slack, "invitation", "DU01")))
        invitation = posts(slack, "invitation", "DU01")[0]
        assert await b.post(press("U01", invitation, "", "cx_start")) == 200
        await first_card(slack, "U01")
        async with Store.open(pg_url) as store:
            # What instance A kept before Slack got its 200, longer ago than a post's lease
            # (3 s here); then A died. B runs on, with no restart to replay it.
            seen = datetime.now(UTC) - timedelta(seconds=5)
            assert await store.first_time("event:EvA", dm_message("U01", "3"), seen)
            deadline = time.monotonic() + 30
            while await store.undone_requests():
                assert time.monotonic() < deadline, "the typed answer was not applied"
                await asyncio.sleep(0.05)
            answers = await store.answers(1)
    finally:
        await stop(b)
    assert (answers["U01"]["data"].current, answers["U01"]["data"].target) == (3, None)
