"""The Delphi follow-up end to end: planted disagreements, the lead's button, cards with the
group's distribution and one's own answer (Keep), the follow-up's summary against hand-computed
values, the first round's result updated, a further iteration, refusals."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from typing import Any

import pytest

from tests.blockkit import assert_valid_blocks
from tests.fakeslack import TEAM_DOMAIN
from tests.handlers.conftest import CHANNEL, TEAM, Harness
from tests.handlers.test_rounds import reply

PEOPLE = ("U1", "U2", "U3", "U4", "U5")
# cx-pillars areas: data, design, delivery, measurement, culture; today's level per person
FIRST = {
    "U1": (1, 1, 2, 2, 2),
    "U2": (1, 3, 2, 2, 2),
    "U3": (3, 1, 2, 2, 2),
    "U4": (3, 3, 2, 2, 2),
    "U5": (2, 3, 2, 2, 2),
}


def summary_message(h: Harness) -> dict[str, Any]:
    """The channel's latest summary (a first round's or a follow-up's)."""
    return next(
        m
        for m in reversed(h.slack.messages(CHANNEL))
        if (m.get("metadata") or {}).get("event_type") == "cx_assess_summary"
    )


async def first_round(h: Harness) -> dict[str, Any]:
    """A closed cx-pillars round split on data and design: its summary."""
    for user in ("U4", "U5"):
        h.slack.add_user(user, name=user.lower(), locale="en-US")
    assert await h.command("start cx-pillars " + " ".join(f"<@{u}>" for u in PEOPLE)) == 200
    for user, levels in FIRST.items():
        await h.press(user, "cx_start")
        for level in levels:
            await h.answer_card(user, level, 3, 2)
        await h.press(user, "cx_finish")
    await h.command("close")
    return summary_message(h)


def keep_block(h: Harness, user: str) -> dict[str, Any]:
    card = h.card(user)
    block = next(b for b in card["blocks"] if b.get("block_id", "").startswith("keep|"))
    return {"blocks": [block], "ts": card["ts"]}


def keep_label(h: Harness, user: str) -> str:
    label: str = keep_block(h, user)["blocks"][0]["elements"][0]["text"]["text"]
    return label


async def keep(h: Harness, user: str) -> None:
    """Tap *Keep* on the card in view."""
    await h.press(user, "cx_answer_", keep_block(h, user))


def texts(message: dict[str, Any]) -> str:
    parts = []
    for block in message["blocks"]:
        if "text" in block and isinstance(block["text"], dict):
            parts.append(block["text"]["text"])
        for element in block.get("elements", []):
            parts.append(element.get("text", "") if isinstance(element.get("text"), str) else "")
            if isinstance(element.get("text"), dict):
                parts.append(element["text"]["text"])
    return "\n".join(parts)


async def test_a_follow_up_moves_answers_and_updates_the_first_round(harness: Harness) -> None:
    h = harness
    summary = await first_round(h)
    action_id, value, ts = h.button("U1", "cx_followup", summary)
    await h.click("U2", action_id, value, channel=CHANNEL, ts=ts)  # not the lead
    assert "Only the round's lead" in h.slack.calls_to("chat.postEphemeral")[-1].params["text"]
    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts=ts)
    first, *_ = reversed(await h.deps.store.rounds_in_channel(TEAM, CHANNEL))
    follow = await h.deps.store.open_round(TEAM, CHANNEL)
    assert follow is not None and (follow.followup_of, follow.iteration) == (first.id, 2)
    assert [a.id for a in follow.framework.areas] == ["data", "design"]
    assert h.slack.messages(CHANNEL)[-1]["text"].startswith("<@ULEAD> started follow-up 1")
    told = h.slack.calls_to("chat.postEphemeral")[-1].params["text"]
    assert told.startswith("Follow-up 1 started. It has no deadline: I'll DM you when everyone")

    invitation = h.dm_messages("U2")[-1]["text"]  # five answers: the cards show the group's
    assert "Each card shows your own answer, and how the group answered" in invitation
    details = h.dm_messages("U2")[-1]["blocks"][1]["elements"][0]["text"]
    assert details == "Open until <@ULEAD> closes it"  # not the framework's description again
    await h.press("U2", "cx_start")
    card = h.card("U2")
    assert_valid_blocks(card["blocks"])
    shown = texts(card)
    assert "1 · Needs immediate action ▇▇ 2" in shown
    assert "2 · Room for improvement ▇ 1" in shown
    assert "3 · Excellent ▇▇ 2" in shown
    assert "Your answer last time: 1 · Needs immediate action" in shown
    # where people say why they see it as they do: the area's thread in the channel
    [thread] = [m for m in h.slack.messages(CHANNEL) if "Customer data" in m["text"]][-1:]
    link = f"https://{TEAM_DOMAIN}.slack.com/archives/{CHANNEL}/p{thread['ts'].replace('.', '')}"
    assert f"Why others see it differently: <{link}|its discussion thread>" in shown
    assert (
        card["metadata"]["event_payload"].items()
        >= {"followup_of": first.id, "iteration": 2}.items()
    )
    assert not any(b.get("block_id", "").endswith("|target") for b in card["blocks"])
    assert keep_label(h, "U2") == "Keep 1 · Needs immediate action"
    await keep(h, "U2")
    await h.tap("U2", 3)  # design: stays at 3
    await h.press("U2", "cx_finish")
    # data, design: U1 1→2 and keeps 1; U3 3→2, 1→2; U4 3→2, 3; U5 stays 2, 3→1
    for user, levels in {"U1": (2, 1), "U3": (2, 2), "U4": (2, 3), "U5": (2, 1)}.items():
        await h.press(user, "cx_start")
        for level in levels:
            await h.tap(user, level)
        await h.press(user, "cx_finish")
    await h.deps.rounds.tick()  # as the lead was told: a DM once everyone has answered
    assert h.dm_messages("ULEAD")[-1]["text"].startswith("Everyone has answered")
    await h.command("close")
    result = summary_message(h)
    payload = {"followup_of": first.id, "iteration": 2, "open": ["design"]}
    assert result["metadata"]["event_payload"].items() >= payload.items()
    assert_valid_blocks(result["blocks"])
    said = texts(result)
    # data: 1 x1, 2 x4 (mean 1.8): 1 + 0.2 log2(0.6) + 0.8 log2(0.9) = 0.73; before 0.2
    assert "Consensus 0.2 → 0.73 (agreed)" in said
    # pairs (1,2) (1,1) (3,2) (3,2) (2,2): 3 moved, 40 % unchanged, kappa 0.2857 (sklearn)
    assert "3 of 5 answers moved · 40% unchanged, weighted κ 0.29" in said.split("\n")
    # design: before 1 x2, 3 x3 (0.03); after 1 x2, 2 x1, 3 x2 (0.2); kappa 0.4 (sklearn)
    assert "Consensus 0.03 → 0.2 (still split)" in said
    assert "2 of 5 answers moved · 60% unchanged, weighted κ 0.4 (not yet stable)" in said
    assert "once people agree (consensus 0.6 or more) or once at least 80% of the answers" in said
    assert "Weighted κ: Cohen's kappa with linear weights" in said  # a κ is shown: what it is

    parent = await h.deps.store.get_round(first.id)
    assert parent is not None and parent.result is not None
    areas = {a["id"]: a for a in parent.result["areas"]}
    assert (areas["data"]["iteration"], areas["design"]["iteration"]) == (2, 2)
    assert areas["data"]["distribution"] == {"1": 1, "2": 4, "3": 0}
    assert areas["data"]["current"]["median"] == 2.0 and areas["data"]["disagreement"] is False
    assert areas["delivery"]["iteration"] == 1
    assert parent.result["participants"] == {"invited": 5, "responded": 5, "completed": 5}
    report = list(h.slack.uploads.values())[-1].decode()  # in the follow-up summary's thread
    assert "| Customer data (follow-up 1) | 5 |" in report
    (edit,) = [c for c in h.slack.calls_to("chat.update", ok_only=True) if c.params["ts"] == ts]
    edited = json.dumps(edit.params["blocks"], ensure_ascii=False)  # the first summary, in place
    assert "Updated after follow-up 1" in edited
    assert "cx_followup" not in edited  # the next iteration starts from the follow-up's summary

    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts=ts)  # the first summary's again
    assert (
        h.slack.calls_to("chat.postEphemeral")[-1]
        .params["text"]
        .startswith("This round was followed up already")
    )
    await h.command("results", user="U2")  # the whole round as it stands now, not only data
    now = texts(h.slack.responses[-1])
    assert reply(h).startswith("CX maturity: five pillars") and "Updated after follow-up 1" in now
    assert "• *Customer data*  2 → 3" in now
    assert "*Experience delivery*" in now and "cx_followup" not in str(now)
    assert "*Discussion threads*" in now  # the first round's threads, as its own results show

    # a second iteration, on design only, shows iteration 2's distribution
    await h.command("followup", user="U2")
    assert "Only the round's lead" in reply(h)
    await h.command("followup")
    third = await h.deps.store.open_round(TEAM, CHANNEL)
    assert third is not None and (third.iteration, [a.id for a in third.framework.areas]) == (
        3,
        ["design"],
    )
    await h.press("U2", "cx_start")
    shown = texts(h.card("U2"))
    assert (
        "2 · Room for improvement ▇ 1" in shown and "follow-up 2" in shown.lower()
    )  # the second follow-up (iteration 3)
    for user in PEOPLE:
        if user != "U2":
            await h.press(user, "cx_start")
        await keep(h, user)
        await h.press(user, "cx_finish")
    await h.command("close")
    done = texts(summary_message(h))
    assert (
        "0 of 5 answers moved · 100% unchanged" in done
        and "No area needs another follow-up" in done
    )
    await h.command("followup")
    assert reply(h).startswith("Nothing to follow up")


async def test_a_follow_up_card_goes_out_without_its_thread_link_when_slack_gives_none(
    harness: Harness,
) -> None:
    h = harness
    summary = await first_round(h)
    action_id, value, ts = h.button("U1", "cx_followup", summary)
    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts=ts)
    h.slack.fail_next("chat.getPermalink", "internal_error", status=500, times=3)  # and retries
    await h.press("U2", "cx_start")
    assert "Your answer last time" in texts(h.card("U2"))  # the card, without the link
    assert f"slack.com/archives/{CHANNEL}/p" not in texts(h.card("U2"))
    await h.press("U3", "cx_start")  # a passing failure: asked again for the next card
    assert "Warum andere es anders sehen: <https://" in texts(h.card("U3"))  # (in German)
    asked = len(h.slack.calls_to("chat.getPermalink"))
    await h.press("U4", "cx_start")
    assert f"slack.com/archives/{CHANNEL}/p" in texts(h.card("U4"))
    assert len(h.slack.calls_to("chat.getPermalink")) == asked  # once per thread


@pytest.mark.sqlite_only
async def test_a_follow_up_card_built_before_its_thread_is_recorded_finds_it_later(
    harness: Harness,
) -> None:
    h = harness
    summary = await first_round(h)
    first, *_ = reversed(await h.deps.store.rounds_in_channel(TEAM, CHANNEL))
    threads = await h.deps.store.discussions(first.id)
    with sqlite3.connect(h.deps.settings.database) as db:  # as if still being posted
        db.execute("DELETE FROM discussions")
    action_id, value, ts = h.button("U1", "cx_followup", summary)
    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts=ts)
    await h.press("U2", "cx_start")
    assert f"slack.com/archives/{CHANNEL}/p" not in texts(h.card("U2"))
    for position, thread in enumerate(threads, start=1):  # ... and now recorded
        await h.deps.store.add_discussion(
            first.id, thread.area_id, position, thread.channel_id, thread.ts
        )
    await h.press("U4", "cx_start")
    assert f"slack.com/archives/{CHANNEL}/p" in texts(h.card("U4"))  # not "none" for good


async def test_follow_up_is_refused_without_disagreements(harness: Harness) -> None:
    h = harness
    await h.command("followup")
    assert reply(h) == "There is no closed round in this channel to follow up."
    assert await h.command("start cx-pillars <@U1> <@U2> <@U3>") == 200
    for user in ("U1", "U2", "U3"):
        await h.answer_all(user, 2, 3, 2, cards=5)
    await h.command("close")
    assert not any(
        e.get("action_id") == "cx_followup"
        for b in summary_message(h)["blocks"]
        for e in b.get("elements", [])
    )
    await h.command("followup")
    assert reply(h).startswith("Nothing to follow up")


async def test_a_follow_up_summary_slack_did_not_take_is_posted_once_by_the_clock(
    harness: Harness,
) -> None:
    h = harness
    await first_round(h)
    await h.command("followup")
    for user in PEOPLE:
        await h.press(user, "cx_start")
        await keep(h, user)
        await keep(h, user)
        await h.press(user, "cx_finish")
    h.slack.fail_next(
        "chat.postMessage", "internal_error", status=503, where=lambda p: p["channel"] == CHANNEL
    )
    await h.command("close")
    assert "summary" in reply(h)
    h.clock.now += timedelta(minutes=5)  # the attempt is certainly over: looked for, then sent
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    summaries = [
        m
        for m in h.slack.messages(CHANNEL)
        if (m.get("metadata") or {}).get("event_payload", {}).get("iteration") == 2
    ]
    assert len(summaries) == 1
    assert "0 of 5 answers moved · 100% unchanged" in texts(summaries[0])


async def test_a_discussion_goes_on_while_its_round_is_followed_up(harness: Harness) -> None:
    h = harness
    await first_round(h)
    first = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    thread = next(
        m["ts"]
        for m in h.slack.messages(CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == "cx_assess_discussion"
    )
    await h.command("followup")
    assert (await h.deps.store.open_round(TEAM, CHANNEL)) is not None
    assert await h.event(h.slack.person_writes(CHANNEL, "U2", "during", thread)) == 200
    threads = await h.deps.store.discussions(first.id)
    assert [(r.user_id, r.text) for r in threads[0].replies] == [("U2", "during")]


async def test_a_follow_up_slack_refuses_for_good_is_reported_as_refused(harness: Harness) -> None:
    h = harness
    summary = await first_round(h)
    action_id, value, ts = h.button("U1", "cx_followup", summary)
    h.slack.fail_next("chat.postMessage", "not_in_channel", where=lambda p: p["channel"] == CHANNEL)
    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts=ts)
    told = h.slack.calls_to("chat.postEphemeral")[-1].params["text"]
    assert told.startswith(f"I am not a member of <#{CHANNEL}>.")
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None  # nobody heard of it: gone


async def test_a_follow_up_invites_everyone_who_gave_a_level_in_the_first_round(
    harness: Harness,
) -> None:
    """Also who gave no level in the split areas: else the guest list would tell who did not."""
    h = harness
    people = (*PEOPLE, "U6")
    for user in ("U4", "U5", "U6"):
        h.slack.add_user(user, name=user.lower(), locale="en-US")
    await h.command("start cx-pillars " + " ".join(f"<@{u}>" for u in people))
    answers: dict[str, tuple[int | str, ...]] = {**FIRST, "U6": ("not_sure", "not_sure", 2, 2, 2)}
    for user, levels in answers.items():
        await h.press(user, "cx_start")
        for level in levels:
            if isinstance(level, int):
                await h.answer_card(user, level, 3, 2)
            else:
                await h.tap(user, level)
                await h.tap(user, 2, "importance")  # not sure today: importance still asked
        await h.press(user, "cx_finish")
    await h.command("close")
    await h.command("followup")
    follow = await h.deps.store.open_round(TEAM, CHANNEL)
    assert follow is not None
    assert [p.user_id for p in await h.deps.store.participants(follow.id)] == list(people)
    assert "6 people are asked again" in h.slack.messages(CHANNEL)[-1]["text"]
