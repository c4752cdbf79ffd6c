"""Discussion threads end to end: one per disagreement the summary shows, posted once whatever
fails; what people write in them kept with who wrote it (edits, deletions, retries), in the
report from `export` and counted by `results`."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.model import Round
from tests.blockkit import assert_valid_blocks
from tests.handlers.conftest import CHANNEL, TEAM, Harness
from tests.handlers.test_rounds import reply, run_round

DISCUSSION = "cx_assess_discussion"
SUMMARY = "cx_assess_summary"


def event_type(message: dict[str, Any]) -> str | None:
    kind: str | None = (message.get("metadata") or {}).get("event_type")
    return kind


def discussions(h: Harness) -> list[dict[str, Any]]:
    return [m for m in h.slack.messages(CHANNEL) if event_type(m) == DISCUSSION]


def summary(h: Harness) -> dict[str, Any]:
    return next(m for m in h.slack.messages(CHANNEL) if event_type(m) == SUMMARY)


def is_discussion(params: dict[str, Any]) -> bool:
    return event_type(params) == DISCUSSION


async def split_round(h: Harness) -> Round:
    """A cx-pillars round where three answer 1 and two answer 3 everywhere: every area is split
    (five answers: enough to judge agreement on three levels, `unanimity_floor`)."""
    for user in ("U4", "U5"):
        h.slack.add_user(user, name=user.lower(), locale="en-US")
    await run_round(h, {"U1": 1, "U2": 3, "U3": 3, "U4": 1, "U5": 1})
    return (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]


async def write(h: Harness, user: str, text: str, thread_ts: str, **kw: Any) -> str:
    """``user`` writes in a channel thread; the ``ts`` of the message."""
    event = h.slack.person_writes(CHANNEL, user, text, thread_ts)
    assert await h.event(event, **kw) == 200
    ts: str = event["ts"]
    return ts


async def test_each_disagreement_shown_gets_one_discussion_thread_that_says_names_show(
    harness: Harness,
) -> None:
    h = harness
    round_ = await split_round(h)
    await h.command("close")
    await h.deps.rounds.tick()  # the clock finds nothing left to post
    split = summary(h)["metadata"]["event_payload"]["disagreements"]
    assert len(split) == 5  # the summary shows three of them
    posted = discussions(h)
    assert [m["metadata"]["event_payload"]["area_id"] for m in posted] == split[:3]
    first = posted[0]
    assert "thread_ts" not in first  # a message of its own: its thread is the discussion
    assert_valid_blocks(first["blocks"])
    texts = "\n".join(b["text"]["text"] for b in first["blocks"] if b["type"] == "section")
    area = round_.framework.areas[0]
    assert first["text"] == f"Let's discuss 1 of 3: {area.name.get('en')}"
    assert "3 say 1 · Needs immediate action, 2 say 3 · Excellent" in texts  # five: counts
    assert all(area.brief(v).get("en") in texts for v in round_.framework.scale.values)
    assert area.prompts[0].get("en") in texts  # its discussion question, asked here only
    summary_texts = json.dumps(summary(h)["blocks"], ensure_ascii=False)
    assert area.prompts[0].get("en") not in summary_texts
    assert "Talk each over in its own thread in the channel; then the lead can ask" in summary_texts
    notice = first["blocks"][-1]["elements"][0]["text"]
    assert "Not anonymous" in notice and "your name shows" in notice
    threads = await h.deps.store.discussions(round_.id)
    assert [(d.area_id, d.ts) for d in threads] == [
        (a, m["ts"]) for a, m in zip(split[:3], posted, strict=True)
    ]


async def test_replies_are_kept_with_who_wrote_them_edited_deleted_and_exported(
    harness: Harness,
) -> None:
    h = harness
    round_ = await split_round(h)
    await h.command("close")
    first, second, _ = (m["ts"] for m in discussions(h))
    ana = await write(h, "U1", "We *transfer* <b>twice</b>", first, event_id="EvAna")
    ben = await write(h, "U2", "Only for billing", first)
    await write(h, "U3", "Agreed", second)
    # Elsewhere: the summary's thread, the channel itself, a bot.
    await write(h, "U1", "nice chart", summary(h)["ts"])
    await write(h, "U2", "top-level chatter", "")
    bot = h.slack.person_writes(CHANNEL, "UROBOT", "beep", first) | {"bot_id": "B1"}
    await h.event(bot)
    # Slack retries an event (same id), and delivers the same message again (new id).
    again = {"type": "message", "channel": CHANNEL, "channel_type": "channel", "user": "U1",
             "text": "We *transfer* <b>twice</b>", "ts": ana, "thread_ts": first}  # fmt: skip
    assert await h.event(again, event_id="EvAna", headers={"X-Slack-Retry-Num": "1"}) == 200
    assert await h.event(again) == 200
    assert await h.event(h.slack.person_edits(CHANNEL, ana, "We transfer *twice* & more")) == 200
    assert await h.event(h.slack.person_deletes(CHANNEL, ben)) == 200

    threads = await h.deps.store.discussions(round_.id)
    assert [[(r.user_id, r.text) for r in d.replies] for d in threads] == [
        [("U1", "We transfer *twice* & more")],
        [("U3", "Agreed")],
        [],
    ]

    await h.command("results", user="U2")
    counts = h.slack.responses[-1]["blocks"][-2]["elements"][0]["text"]
    names = [a.name.get("en") for a in round_.framework.areas[:3]]
    assert f"{names[0]}: 1 reply; {names[1]}: 1 reply; {names[2]}: 0 replies" in counts

    await h.command("export")
    assert reply(h).startswith("The pseudonymized answers and the full report")
    name = f"cx-assess-cx-pillars-{round_.id}-report.md"
    (file_id,) = [f for f, record in h.slack.files.items() if record["name"] == name]
    text = h.slack.uploads[file_id].decode()
    section = text.split("## Discussion\n", 1)[1].split("\n## ", 1)[0]
    assert f"### {names[0]}\n\n- **Ana**: We transfer \\*twice\\* \\& more\n" in section
    assert f"### {names[1]}\n\n- **Carla**: Agreed\n" in section
    assert f"### {names[2]}\n\nNo replies yet.\n" in section
    assert "nice chart" not in text and "beep" not in text and "chatter" not in text


async def test_replies_after_the_channels_next_round_started_are_not_kept(
    harness: Harness,
) -> None:
    h = harness
    round_ = await split_round(h)
    await h.command("close")
    first = discussions(h)[0]["ts"]
    kept = await write(h, "U1", "before", first)
    assert await h.command("start cx-pillars <@U1>") == 200
    await write(h, "U2", "after", first)
    assert await h.event(h.slack.person_edits(CHANNEL, kept, "edited later")) == 200
    threads = await h.deps.store.discussions(round_.id)
    assert [(r.user_id, r.text) for r in threads[0].replies] == [("U1", "before")]


async def test_a_discussion_slack_posts_but_answers_500_for_is_posted_once_and_followed(
    harness: Harness,
) -> None:
    h = harness
    round_ = await split_round(h)
    h.slack.fail_after("chat.postMessage", where=is_discussion)
    await h.command("close")
    await h.deps.rounds.tick()
    posted = discussions(h)
    assert len(posted) == 3
    calls = [c.ok for c in h.slack.calls_to("chat.postMessage") if is_discussion(c.params)]
    assert calls == [False, True, True]  # Slack said 500 for the first, which it had posted
    threads = await h.deps.store.discussions(round_.id)
    assert [d.ts for d in threads] == [m["ts"] for m in posted]  # the first one found again
    await write(h, "U1", "found", posted[0]["ts"])
    assert (await h.deps.store.discussions(round_.id))[0].replies[0].text == "found"


async def test_a_summary_slack_posts_but_answers_500_for_opens_each_discussion_once(
    harness: Harness,
) -> None:
    h = harness
    round_ = await split_round(h)
    h.slack.fail_after("chat.postMessage", where=lambda p: event_type(p) == SUMMARY)
    await h.command("close")
    await h.deps.rounds.tick()
    assert len([m for m in h.slack.messages(CHANNEL) if event_type(m) == SUMMARY]) == 1
    assert len(discussions(h)) == 3
    assert len(await h.deps.store.discussions(round_.id)) == 3


async def test_the_clock_running_while_a_close_posts_opens_each_discussion_once(
    harness: Harness,
) -> None:
    h = harness
    await split_round(h)
    h.slack.hang_after("chat.postMessage", 20, where=lambda p: event_type(p) == SUMMARY)
    closing = asyncio.create_task(h.command("close"))
    while not any(event_type(m) == SUMMARY for m in h.slack.messages(CHANNEL)):
        await asyncio.sleep(0.01)
    await h.deps.rounds.tick()
    h.slack.release()
    await closing
    await h.deps.rounds.tick()
    assert len(discussions(h)) == 3
