"""Slack's retries and replays are handled once."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from slack_bolt.request.internals import parse_body

from bot.handlers.middleware import click_key
from bot.model import Invitee
from tests.handlers.conftest import CHANNEL, TEAM, Harness, settle
from tests.slack_requests import block_actions


async def test_event_retry_with_the_same_event_id_is_processed_once(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    await h.dm("U2", "2", event_id="Ev-answer-1")
    retry = {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    assert await h.dm("U2", "2", event_id="Ev-answer-1", headers=retry) == 200
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    person = await h.deps.store.participant(round_.id, "U2")
    assert person is not None
    assert person.state.answer("data").current == 2
    assert person.state.answer("data").target is None  # the retry did not answer the next question


async def test_retried_slash_command_starts_one_round_and_answers_once(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1>", trigger_id="trig-42")
    replies = len(h.slack.responses)
    await h.command("start cx-pillars <@U1>", trigger_id="trig-42")
    assert len(h.slack.responses) == replies
    assert len(await h.deps.store.rounds_in_channel(TEAM, CHANNEL)) == 1
    assert h.invited() == ["U1"]


async def test_a_fan_out_cut_in_the_middle_resumes_without_inviting_anyone_twice(
    harness: Harness,
) -> None:
    h = harness
    catalog = h.deps.catalog
    round_ = await h.deps.store.create_round(
        team_id=TEAM,
        channel_id=CHANNEL,
        framework=catalog.get("cx-pillars"),
        started_by="ULEAD",
        participants=[Invitee("U1", "es"), Invitee("U2"), Invitee("U3", "de")],
        announced=True,
    )
    await h.deps.rounds.announce(round_)
    first = (await h.deps.store.participants(round_.id))[0]
    await h.deps.dialogues.invite(round_, first)
    # ... the process died here; after the restart:
    await h.deps.rounds.resume()
    await h.deps.rounds.resume()
    assert h.invited() == ["U1", "U2", "U3"]
    assert all(len(h.dm_messages(u)) == 1 for u in ("U1", "U2", "U3"))


@pytest.mark.sqlite_only
async def test_a_click_is_kept_before_slack_gets_its_acknowledgement(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    action_id, value, ts = h.button("U2", "cx_answer_3")
    click = block_actions("U2", TEAM, action_id, value, channel="DU2", ts=ts)
    blocker = sqlite3.connect(h.deps.settings.database)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database for a moment
    request = asyncio.create_task(h.post(click))
    await asyncio.sleep(0.3)
    assert not request.done()  # no acknowledgement while the answer cannot be saved
    blocker.rollback()
    blocker.close()
    assert (await request).status == 200
    key = click_key(parse_body(click.body, click.content_type))
    with sqlite3.connect(h.deps.settings.database) as db:  # kept before the acknowledgement
        (kept,) = db.execute("SELECT count(*) FROM seen_requests WHERE key = ?", (key,)).fetchone()
    assert kept == 1
    await settle()
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    person = await h.deps.store.participant(round_.id, "U2")
    assert person is not None and person.state.answer("data").current == 3
