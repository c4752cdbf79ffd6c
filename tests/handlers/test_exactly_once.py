"""The announcement, each invitation and the summary are posted once, whatever fails.

In process (the real app over HTTP, the fake Slack with faults injected); the same faults
against a real ``serve`` process, with ``kill -9``, are in tests/test_exactly_once_serve.py.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from typing import Any

from bot.model import PostKey, PostKind
from bot.posts import HOST
from tests.handlers.conftest import CHANNEL, TEAM, Harness

EVENT = {
    PostKind.ANNOUNCEMENT: "cx_assess_announcement",
    PostKind.INVITATION: "cx_assess_invitation",
    PostKind.SUMMARY: "cx_assess_summary",
}


ELSEWHERE = "another-host:4242:0"  # a process on another machine: only its lease tells


def posts(h: Harness, kind: PostKind, channel: str = CHANNEL) -> list[dict[str, Any]]:
    return [
        m
        for m in h.slack.messages(channel)
        if (m.get("metadata") or {}).get("event_type") == EVENT[kind]
    ]


def invitations(h: Harness, user: str) -> int:
    return len(posts(h, PostKind.INVITATION, f"D{user}"))


def to_people(params: dict[str, Any]) -> bool:
    """An invitation: posted to a user id (the person's DM)."""
    return str(params.get("channel", "")).startswith("U")


def reply(h: Harness) -> str:
    text: str = h.slack.responses[-1]["text"]
    return text


async def test_an_announcement_slack_posts_but_answers_500_for_is_not_posted_again(
    harness: Harness,
) -> None:
    h = harness
    h.slack.fail_after("chat.postMessage", where=lambda p: p["channel"] == CHANNEL)
    await h.command("start cx-pillars <@U1> <@U2>")
    assert len(posts(h, PostKind.ANNOUNCEMENT)) == 1
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None and round_.announce_ts == posts(h, PostKind.ANNOUNCEMENT)[0]["ts"]
    assert reply(h).startswith("Invited 2 people by DM.\n")
    assert (invitations(h, "U1"), invitations(h, "U2")) == (1, 1)


async def test_an_invitation_slack_posts_but_answers_500_for_is_found_not_resent(
    harness: Harness,
) -> None:
    h = harness
    h.slack.fail_after("chat.postMessage", where=to_people)
    await h.command("start cx-pillars <@U1>")
    assert invitations(h, "U1") == 1
    await h.deps.rounds.tick()
    assert invitations(h, "U1") == 1
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    person = await h.deps.store.participant(round_.id, "U1")
    assert person is not None and person.invited_at is not None
    assert person.prompt_ts == posts(h, PostKind.INVITATION, "DU1")[0]["ts"]


async def test_a_summary_slack_posts_but_answers_500_for_is_posted_once(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1>")
    h.slack.fail_after("chat.postMessage", where=lambda p: p["channel"] == CHANNEL)
    await h.command("close anyway")
    assert reply(h) == "The round is closed and the summary is in the channel."
    await h.deps.rounds.tick()
    assert len(posts(h, PostKind.SUMMARY)) == 1
    assert len(h.slack.calls_to("files.completeUploadExternal")) == 2  # chart and report, once


async def test_people_a_rate_limit_storm_left_uninvited_are_invited_by_the_clock(
    harness: Harness,
) -> None:
    h = harness
    h.slack.fail_next("chat.postMessage", "ratelimited", status=200, times=2, where=to_people)
    await h.command("start cx-pillars")
    assert reply(h).splitlines() == [
        "Invited 2 people by DM.",
        "2 still waiting for their invitation; I'll keep trying every minute.",
        "No deadline: it stays open until you close it with `/cx-assess close`. I'll DM you"
        " when everyone has answered; `/cx-assess status` shows who has.",
    ]  # 3 besides the lead: enough to flag disagreements on cx-pillars (threshold 0.6)
    await h.command("status")
    assert "2 still waiting for their invitation" in reply(h)
    assert "• Invitation not sent yet (2): " in reply(h)
    await h.deps.rounds.tick()
    assert [invitations(h, u) for u in ("ULEAD", "U1", "U2", "U3")] == [1, 1, 1, 1]
    await h.command("status")
    assert "waiting" not in reply(h) and "not sent" not in reply(h)


async def test_someone_slack_will_never_reach_is_named_in_status_and_not_retried(
    harness: Harness,
) -> None:
    h = harness
    h.slack.fail_next("chat.postMessage", "cannot_dm_bot", where=lambda p: p["channel"] == "U2")
    await h.command("start cx-pillars <@U1> <@U2>")
    assert "Could not reach <@U2>: cannot_dm_bot" in reply(h)
    await h.deps.rounds.tick()
    assert invitations(h, "U2") == 0
    await h.command("status")
    assert "• Could not be invited: <@U2> (cannot_dm_bot)" in reply(h)


async def test_the_clock_running_while_a_close_posts_the_summary_does_not_post_it_again(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2>")
    h.slack.hang_after("chat.postMessage", 20, where=lambda p: p["channel"] == CHANNEL)
    closing = asyncio.create_task(h.command("close anyway"))
    while not posts(h, PostKind.SUMMARY):  # posted; the answer is still on its way
        await asyncio.sleep(0.01)
    await h.deps.rounds.tick()
    h.slack.release()
    await closing
    await h.deps.rounds.tick()
    assert len(posts(h, PostKind.SUMMARY)) == 1
    assert reply(h) == "The round is closed and the summary is in the channel."


async def test_a_claim_a_dead_process_left_is_looked_for_once_its_lease_ran_out(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1>")
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    await h.deps.store.finish_round(round_.id, round_.status.CLOSED, {}, h.clock())
    # Another process claimed the summary, posted it, and died before recording it.
    key = PostKey(round_.id, PostKind.SUMMARY)
    posts_ = h.deps.rounds.posts
    claim = await h.deps.store.claim_post(key, h.clock(), ELSEWHERE, posts_.over)
    assert claim is not None
    payload = {"round_id": round_.id, "post": claim.nonce}
    metadata = {"event_type": EVENT[PostKind.SUMMARY], "event_payload": payload}
    await h.deps.slack.post_to(CHANNEL, "the summary", metadata=metadata)
    await h.deps.rounds.tick()  # the claim may still be under way: nothing happens
    assert len(posts(h, PostKind.SUMMARY)) == 1 and not h.slack.calls_to("conversations.history")
    h.clock.now += posts_.lease + timedelta(seconds=1)
    await h.deps.rounds.tick()  # found, recorded, not posted again
    assert len(posts(h, PostKind.SUMMARY)) == 1
    closed = await h.deps.store.get_round(round_.id)
    assert closed is not None and closed.summary_ts == posts(h, PostKind.SUMMARY)[0]["ts"]


async def test_a_claim_whose_post_never_reached_slack_is_posted_after_its_lease(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1>")
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    await h.deps.store.finish_round(round_.id, round_.status.CLOSED, {}, h.clock())
    key = PostKey(round_.id, PostKind.SUMMARY)
    posts_ = h.deps.rounds.posts
    assert await h.deps.store.claim_post(key, h.clock(), ELSEWHERE, posts_.over) is not None
    # Another installation's summary of its own round 1 in the same channel is not ours.
    payload = {"round_id": round_.id, "post": "another-installation"}
    metadata = {"event_type": EVENT[PostKind.SUMMARY], "event_payload": payload}
    await h.deps.slack.post_to(CHANNEL, "their summary", metadata=metadata)
    h.clock.now += posts_.lease + timedelta(seconds=1)
    await h.deps.rounds.tick()
    ours = [m for m in posts(h, PostKind.SUMMARY) if m["text"] != "their summary"]
    assert len(ours) == 1
    await h.deps.rounds.tick()
    assert len(posts(h, PostKind.SUMMARY)) == 2
    closed = await h.deps.store.get_round(round_.id)
    assert closed is not None and closed.summary_ts == ours[0]["ts"]


async def test_an_attempt_is_over_when_its_process_is_gone_or_its_lease_ran_out(
    harness: Harness,
) -> None:
    posts_ = harness.deps.rounds.posts
    now = harness.clock()
    ended = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await ended.wait()
    assert not posts_.over(posts_.owner, now)  # this very process
    assert posts_.over(f"{HOST}:{os.getpid()}:an-earlier-run", now)  # restarted with its pid
    assert posts_.over(f"{HOST}:{ended.pid}:x", now)  # killed
    assert not posts_.over(f"{HOST}:1:x", now)  # alive
    assert not posts_.over(ELSEWHERE, now)  # another machine: only its lease tells
    assert posts_.over(ELSEWHERE, now - posts_.lease - timedelta(seconds=1))
