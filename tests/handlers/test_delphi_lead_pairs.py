"""Movement and stability need ``min_responses + COUNTS_MARGIN`` pairs besides the lead's: with
the lead and three others, "0 of 4 moved, κ –" would tell the lead all three kept their level,
and so would "No answer moved.": only words for the consensus, and movement withheld."""

from tests.handlers.conftest import CHANNEL, Harness
from tests.handlers.test_delphi import keep, summary_message, texts

PEOPLE = ("ULEAD", "U1", "U2", "U3")
# Split on data: 1, 1, 3, 3 has the median 2, which no level places (among four on three levels
# nothing else can show a split, `unanimity_floor`).
FIRST = {"ULEAD": 1, "U1": 1, "U2": 3, "U3": 3}


async def follow_up_on_data(h: Harness) -> None:
    """The first round (split on data) closed, and its follow-up started."""
    await h.command("start cx-pillars " + " ".join(f"<@{u}>" for u in PEOPLE))
    for u, level in FIRST.items():
        await h.press(u, "cx_start")
        for lv in (level, 2, 2, 2, 2):
            await h.answer_card(u, lv, 3, 2)
        await h.press(u, "cx_finish")
    await h.command("close")
    action_id, value, ts = h.button("U1", "cx_followup", summary_message(h))
    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts=ts)


async def test_movement_is_not_shown_from_the_leads_pair_and_three_others(
    harness: Harness,
) -> None:
    h = harness
    await follow_up_on_data(h)
    for u in ("ULEAD", "U1", "U2", "U3"):
        await h.press(u, "cx_start")
        await keep(h, u)
        await h.press(u, "cx_finish")
    await h.command("close")  # three besides the lead replied: the area is shown
    said = texts(summary_message(h))
    assert "answers moved ·" not in said and "κ" not in said  # nor a note on what κ is
    assert "Consensus 0" not in said  # no numbers before → after either
    assert "answers still differ" in said
    assert "How many answers changed is not shown: with so few answers" in said
    assert "No answer moved" not in said


async def test_a_follow_up_among_few_says_where_an_area_is_now_not_that_all_agree(
    harness: Harness,
) -> None:
    # The lead and three others re-answer data 3: "agreed now" among four on three levels
    # would say all four gave 3 (`unanimity_floor`), so the follow-up gives the level alone.
    h = harness
    await follow_up_on_data(h)
    # four answers: no card can show how the group answered, so the invitation promises none
    invitation = h.dm_messages("U2")[-1]["text"]
    assert invitation == (
        "<@ULEAD> asks you again about one area of *CX maturity: five pillars* for <#C0001> "
        "where answers split (follow-up 1). The card shows your own answer: keep it or change it."
    )
    for u in PEOPLE:
        await h.press(u, "cx_start")
        await h.tap(u, 3)
        await h.press(u, "cx_finish")
    await h.command("close")
    said = texts(summary_message(h)).splitlines()
    assert "*Data: knowing what customers want*  now: 3 · Excellent" in said
    assert not any("agreed" in line for line in said)
