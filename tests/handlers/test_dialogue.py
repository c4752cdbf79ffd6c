"""The DM dialogue end to end: invitations, buttons, typed answers, comments, review."""

from __future__ import annotations

import asyncio

from bot.flows.interview import Phase
from tests.blockkit import assert_valid_blocks
from tests.handlers.conftest import CHANNEL, TEAM, Harness, settle


async def start_pillars(h: Harness, *people: str) -> int:
    mentions = " ".join(f"<@{p}|{p.lower()}>" for p in people)
    assert await h.command(f"start cx-pillars {mentions}") == 200
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    return round_.id


async def test_start_announces_and_invites_every_human_member(harness: Harness) -> None:
    h = harness
    assert await h.command("start cx-maturity --deadline 2026-12-04") == 200
    announce = h.slack.messages(CHANNEL)[-1]
    assert (
        "<@ULEAD> started a *Contact center CX maturity* assessment" in announce["text"]
        and "4 people" in announce["text"]
    )
    assert (  # 18:00 in the lead's Madrid, shown in each reader's own time
        ", open until <!date^1796403600^{date_short_pretty} {time}|Fri, Dec 4, 17:00 UTC>."
        in announce["text"]
    )
    assert h.invited() == ["U1", "U2", "U3", "ULEAD"]  # no bot, no deleted user, not the bot itself
    invitation = h.last_dm("U1")
    assert "le invita" in invitation["text"]  # U1's Slack locale is Spanish
    assert_valid_blocks(invitation["blocks"])
    assert h.slack.responses[-1]["text"] == (
        "Invited 4 people by DM.\nIt closes Fri, Dec 4, 18:00 CET and posts the summary in <#C0001>;"
        " I'll DM you when everyone has answered. `/cx-assess status` shows who has."
    )


async def test_whole_interview_by_buttons_and_typing(harness: Harness) -> None:
    h = harness
    round_id = await start_pillars(h, "U2")
    assert await h.press("U2", "cx_start") == 200
    card = h.last_dm("U2")
    assert card["metadata"] == {
        "event_type": "cx_assess_question",
        "event_payload": {"round_id": round_id, "area_id": "data", "index": 1, "total": 5},
    }
    assert_valid_blocks(card["blocks"])
    await h.tap("U2", 1)
    # the same card, updated: today's choice is marked, nothing new is posted
    assert h.last_dm("U2")["ts"] == card["ts"]
    today = next(b for b in h.last_dm("U2")["blocks"] if b.get("block_id") == "q|data|current")
    assert [e.get("style") for e in today["elements"]] == ["primary", None, None, None]
    await h.dm("U2", "excellent")  # target, typed
    await h.dm("U2", "high")  # importance, typed: the card is complete
    answered = next(m for m in h.dm_messages("U2") if m["ts"] == card["ts"])
    assert "1 · Needs immediate action → 3 · Excellent · importance 3 · High" in answered["text"]
    assert all(b["type"] != "actions" for b in answered["blocks"])
    person = await h.deps.store.participant(round_id, "U2")
    assert person is not None and person.state.answer("data").current == 1
    assert (person.state.answer("data").target, person.state.answer("data").importance) == (3, 3)
    for _ in range(4):  # the other four areas
        await h.answer_card("U2", 2, 3, 2)
    review = h.last_dm("U2")
    assert review["text"] == "Please review your answers"
    assert_valid_blocks(review["blocks"])
    await h.press("U2", "cx_finish")
    person = await h.deps.store.participant(round_id, "U2")
    assert person is not None and person.state.phase is Phase.FINISHED
    assert h.last_dm("U2")["ts"] == review["ts"]  # the review became the thank-you
    assert h.last_dm("U2")["text"].startswith("Thank you!")
    assert_valid_blocks(h.last_dm("U2")["blocks"])


async def test_garbage_typed_answer_is_reasked_in_one_line_with_buttons(harness: Harness) -> None:
    h = harness
    round_id = await start_pillars(h, "U3")
    await h.press("U3", "cx_start")
    await h.dm("U3", "vielleicht")
    reask = h.last_dm("U3")
    assert reask["text"].startswith("Entschuldigung, „vielleicht“ habe ich nicht verstanden.")
    assert "\n" not in reask["text"] and len(reask["text"]) < 200
    assert [e["text"]["text"][:1] for e in reask["blocks"][1]["elements"]] == ["1", "2", "3", "W"]
    person = await h.deps.store.participant(round_id, "U3")
    assert person is not None and person.state.answers == {}
    await h.press("U3", "cx_answer_2", reask)  # a re-ask button answers the card
    person = await h.deps.store.participant(round_id, "U3")
    assert person is not None and person.state.answer("data").current == 2
    await h.dm("U3", "vielleicht")  # now the card waits for the target: the re-ask says so
    assert "nicht verstanden. Ziel in 12 Monaten? Tippen Sie" in h.last_dm("U3")["text"]


async def test_replies_in_a_card_thread_are_appended_to_that_area_comment(
    harness: Harness,
) -> None:
    h = harness
    round_id = await start_pillars(h, "U2")
    await h.press("U2", "cx_start")
    card_ts = h.last_dm("U2")["ts"]
    await h.tap("U2", 2)
    updates = h.slack.rewrites()
    await h.dm("U2", "We only look at CSAT once a year.", thread_ts=card_ts)
    assert "Comment saved for Customer data" in h.last_dm("U2")["text"]
    assert (
        "appears word for word, without your name, in the round's report"
        in (h.last_dm("U2")["text"])
    )  # warned before anyone can tell it apart
    assert h.slack.rewrites() == updates  # the card does not show comments
    await h.dm("U2", "And nobody reads it.", thread_ts=card_ts)
    assert "Added to your comment on Customer data" in h.last_dm("U2")["text"]
    person = await h.deps.store.participant(round_id, "U2")
    assert person is not None
    assert person.state.answer("data").comment == (
        "We only look at CSAT once a year.\nAnd nobody reads it."
    )
    assert person.state.answer("data").current == 2  # a comment is not an answer


async def test_double_click_records_once_and_posts_the_next_card_once(harness: Harness) -> None:
    h = harness
    await start_pillars(h, "U2")
    await h.press("U2", "cx_start")
    await h.answer_card("U2", 2, 3)
    action_id, value, ts = h.row_button("U2", 2, "importance")
    before = len(h.dm_messages("U2"))
    updates = h.slack.rewrites()
    await h.click("U2", action_id, value, channel="DU2", ts=ts)
    await h.click("U2", action_id, value, channel="DU2", ts=ts)
    assert len(h.dm_messages("U2")) == before + 1
    assert h.slack.rewrites() == updates + 1  # the old card faded once


async def test_forged_click_for_someone_elses_round_changes_nothing(harness: Harness) -> None:
    h = harness
    round_id = await start_pillars(h, "U2")
    await h.press("U2", "cx_start")
    action_id, value, ts = h.button("U2", "cx_answer_1")
    await h.click("U1", action_id, value, channel="DU1", ts=ts)  # U1 is not in the round
    person = await h.deps.store.participant(round_id, "U2")
    assert person is not None and person.state.answers == {}
    assert await h.deps.store.participant(round_id, "U1") is None


async def test_a_double_tap_on_start_posts_the_first_card_once(harness: Harness) -> None:
    h = harness
    await start_pillars(h, "U2")
    action_id, value, ts = h.button("U2", "cx_start")

    def cards() -> int:
        return sum(
            (m.get("metadata") or {}).get("event_type") == "cx_assess_question"
            for m in h.dm_messages("U2")
        )

    await asyncio.gather(
        h.click("U2", action_id, value, channel="DU2", ts=ts),
        h.click("U2", action_id, value, channel="DU2", ts=ts),
    )
    await settle()
    assert cards() == 1  # not a second card with the first one faded to "Continued below"
    await h.click("U2", action_id, value, channel="DU2", ts=ts)  # a third, later: nothing
    assert cards() == 1
