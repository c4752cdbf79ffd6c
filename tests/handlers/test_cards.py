"""The card dialogue end to end: counts, the card's shape, Details, no duplicates, closing."""

from __future__ import annotations

from typing import Any

from tests.blockkit import assert_valid_blocks
from tests.handlers.conftest import CHANNEL, TEAM, Harness, bundled

MATURITY = bundled().get("cx-maturity")


def posted_to(h: Harness, user: str) -> list[Any]:
    """Every message posted into the person's DM (the invitation goes to the user id)."""
    return [
        c
        for c in h.slack.calls_to("chat.postMessage", ok_only=True)
        if c.params["channel"] in (user, f"D{user}")
    ]


def sections(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if b["type"] == "section"]


def live_cards(h: Harness, user: str) -> list[dict[str, Any]]:
    """Cards one can still answer (answer buttons outside a one-line re-ask)."""
    return [
        m
        for m in h.dm_messages(user)
        if any(b.get("block_id", "").startswith("q|") for b in m.get("blocks") or [])
    ]


async def test_cx_maturity_takes_13_messages_and_26_taps(harness: Harness) -> None:
    h = harness
    await h.command("start cx-maturity <@U2> --deadline 2026-11-27")
    taps = 0

    async def tap(level: int, ask: str) -> None:
        nonlocal taps
        taps += 1
        await h.tap("U2", level, ask)

    before = len(posted_to(h, "U2"))
    await h.press("U2", "cx_start")
    taps += 1
    for i in range(len(MATURITY.areas)):
        await tap(3, "target")  # any order: the target first on even cards
        await tap(2, "current") if i % 2 == 0 else await tap(1, "current")
    await h.press("U2", "cx_finish")
    taps += 1
    assert taps == 26
    assert len(posted_to(h, "U2")) - before == 13  # 12 cards and the review
    thanks = h.last_dm("U2")
    assert thanks["text"].startswith("Thank you!") and "2 · Development → 3 · Maturation" in str(
        thanks
    )
    for message in h.dm_messages("U2"):
        assert_valid_blocks(message["blocks"])
        assert all(s.get("expand") is True for s in sections(message)), message["text"]


async def test_a_card_expands_and_marks_the_first_of_two_taps(harness: Harness) -> None:
    h = harness
    await h.command("start cx-maturity <@U3>")
    await h.press("U3", "cx_start")
    card = h.last_dm("U3")
    assert card["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "CX-Philosophie · 1 von 12", "emoji": True},
    }
    assert all(s["expand"] is True for s in sections(card))
    levels = sections(card)[0]["text"]["text"]
    assert levels.count("\n*") == 4 and "*2 · Entwicklung* — " in levels
    rows = [b["block_id"] for b in card["blocks"] if b["type"] == "actions"]
    assert rows == ["q|cx-philosophy|current", "q|cx-philosophy|target", "nav|cx-philosophy"]
    nav = [e["action_id"] for e in card["blocks"][-1]["elements"]]
    assert nav == ["cx_details", "cx_skip", "cx_pause"]  # no Back before the first area
    assert "Tipp" not in str(card)  # the typing hint is on the invitation only
    await h.tap("U3", 4, "target")
    await h.tap("U3", 4, "current")  # completes it: one line, no buttons
    nav = [e["action_id"] for e in h.last_dm("U3")["blocks"][-1]["elements"]]
    assert nav == ["cx_details", "cx_back", "cx_skip", "cx_pause"]  # the second card has Back
    await h.press("U3", "cx_back")
    await h.tap("U3", 1, "target")  # a target below today: accepted, pointed out
    again = h.card("U3")
    target = next(b for b in again["blocks"] if b.get("block_id") == "q|cx-philosophy|target")
    assert [e.get("style") for e in target["elements"]] == ["primary", None, None, None]
    assert "Ziel unter heute" in str(again["blocks"])
    skip = next(e for e in again["blocks"][-1]["elements"] if e["action_id"] == "cx_skip")
    assert skip["text"]["text"] == "Weiter"


async def test_card_buttons_are_numbers_and_the_chosen_line_names_the_level(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-maturity <@U2>")
    await h.press("U2", "cx_start")

    def rows() -> list[list[str]]:
        card = h.card("U2")
        return [
            [e["text"]["text"] for e in b["elements"]]
            for b in card["blocks"]
            if b.get("block_id", "").startswith("q|")
        ]

    assert rows() == [["1", "2", "3", "4", "Not sure"], ["1", "2", "3", "4"]]
    await h.tap("U2", 2, "current")
    assert "*Today*  :white_check_mark: 2 · Development" in str(h.card("U2")["blocks"])


async def test_importance_buttons_name_their_level(harness: Harness) -> None:
    """The card describes the maturity levels, not importance: "1" there would read as the
    scale's 1 ("Needs immediate action"), the opposite of low importance."""
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    rows = [
        [e["text"]["text"] for e in b["elements"]]
        for b in h.card("U2")["blocks"]
        if b.get("block_id", "").startswith("q|")
    ]
    assert rows[-1] == ["1 · Low", "2 · Medium", "3 · High"]
    assert rows[0][:3] == ["1", "2", "3"]  # the levels the card's lines describe: numbers


async def test_a_skipped_area_is_marked_passed_over_not_done(harness: Harness) -> None:
    h = harness
    await h.command("start cx-maturity <@U2>")
    await h.press("U2", "cx_start")
    await h.press("U2", "cx_skip")
    await h.press("U2", "cx_back")
    shown = str(h.card("U2")["blocks"])
    assert "*Today*  :fast_forward: Skipped" in shown
    assert "*Target in 12 months*  :fast_forward: Skipped" in shown
    assert ":white_check_mark:" not in shown


async def test_details_opens_the_full_level_descriptions(harness: Harness) -> None:
    h = harness
    await h.command("start cx-maturity <@U2>")
    await h.press("U2", "cx_start")
    _, _, ts = h.button("U2", "cx_details")
    await h.press("U2", "cx_details")
    [call] = h.slack.calls_to("views.open", ok_only=True)
    assert call.params["trigger_id"] == f"trigger-U2-{ts}"
    [view] = h.slack.views.values()
    text = str(view["blocks"])
    area = MATURITY.areas[0]
    assert view["title"]["text"] == "Levels"
    assert view["blocks"][0]["text"]["text"] == area.name.en  # in full, not cut at 24
    assert all(area.levels[v].en in text for v in MATURITY.scale.values)


async def test_help_and_a_second_start_never_leave_two_live_cards(harness: Harness) -> None:
    h = harness
    await h.command("start cx-maturity <@U1>")
    await h.press("U1", "cx_start")
    count = len(h.dm_messages("U1"))
    await h.dm("U1", "ayuda")
    assert len(h.dm_messages("U1")) == count + 1  # one short line, no new card
    assert h.last_dm("U1")["text"].startswith("Pulse un botón por fila")
    assert len(live_cards(h, "U1")) == 1
    await h.dm("U1", "empezar")
    await h.dm("U1", "empezar")
    assert len(live_cards(h, "U1")) == 1 and live_cards(h, "U1")[0] == h.last_dm("U1")
    assert sum(m["text"] == "↓ Continúa abajo" for m in h.dm_messages("U1")) == 2


async def test_the_invitation_keeps_its_meaning_after_start(harness: Harness) -> None:
    h = harness
    await h.command("start cx-maturity <@U2> --deadline 2026-11-27")  # 18:00 in Madrid
    invitation = h.dm_messages("U2")[0]
    await h.press("U2", "cx_start")
    started = h.dm_messages("U2")[0]
    assert started["ts"] == invitation["ts"]
    text = str(started["blocks"])
    assert "<@ULEAD> invites you to a *Contact center CX maturity* assessment" in text
    assert MATURITY.description.en[:40] in text
    assert "Open until Fri, Nov 27, 17:00 GMT" in text  # U2 is in London
    assert "▶ Started" in text and all(b["type"] != "actions" for b in started["blocks"])


async def test_closing_keeps_the_thank_you_and_tells_only_those_who_started(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3>")
    await h.answer_all("U2", 2, 3, 2, cards=5)
    thanks = h.last_dm("U2")
    await h.press("U3", "cx_start")
    await h.tap("U3", 1)  # started, one answer
    before = {u: len(h.dm_messages(u)) for u in ("U1", "U2", "U3")}
    updates = h.slack.rewrites()
    await h.command("close anyway")
    assert h.slack.rewrites() == updates  # nothing is rewritten at close
    assert next(m for m in h.dm_messages("U2") if m["ts"] == thanks["ts"]) == thanks
    assert len(h.dm_messages("U1")) == before["U1"]  # never started: not told
    for user in ("U2", "U3"):
        assert len(h.dm_messages(user)) == before[user] + 1
        assert "<#" + CHANNEL in h.last_dm(user)["text"]
    round_ = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    await h.deps.rounds.tick()  # the clock does not say it again
    assert round_.status.value == "closed"
    assert len(h.dm_messages("U2")) == before["U2"] + 1


async def test_a_bare_number_at_the_review_asks_which_area(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    for _ in range(5):
        await h.dm("U2", "2 3")
        await h.dm("U2", "2")
    assert h.last_dm("U2")["text"] == "Please review your answers"
    await h.dm("U2", "3")
    reask = h.last_dm("U2")
    assert reask["text"] == "Change area 3 · Experience delivery?"
    await h.press("U2", "cx_change_", reask)
    assert h.last_dm("U2")["metadata"]["event_payload"]["index"] == 3
