"""Movement and stability need ``min_responses + COUNTS_MARGIN`` pairs besides the lead's: with
the lead and three others, "0 of 4 moved, κ –" would tell the lead all three kept their level,
and so would "No answer moved.": only words for the consensus, and movement withheld."""

from tests.handlers.conftest import CHANNEL, Harness
from tests.handlers.test_delphi import keep, summary_message, texts

PEOPLE = ("ULEAD", "U1", "U2", "U3", "U4", "U5")
# Split on data (five answers besides the lead's: enough to judge agreement, `unanimity_floor`).
FIRST = {"ULEAD": 1, "U1": 1, "U2": 1, "U3": 3, "U4": 3, "U5": 3}
REPLYING = PEOPLE[:4]  # in the follow-up: the lead and three others; U4 and U5 keep their level


async def follow_up_on_data(h: Harness) -> None:
    """The first round (split on data) closed, and its follow-up started."""
    for user in ("U4", "U5"):
        h.slack.add_user(user, name=user.lower(), locale="en-US")
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
    for u in REPLYING:
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


async def test_a_follow_up_that_settles_an_area_says_where_it_stands_not_that_all_agree(
    harness: Harness,
) -> None:
    # The lead and three others now say 3, as U4 and U5 did: "agreed" would claim more than a
    # consensus over the threshold says (and among few, than anyone may know).
    h = harness
    await follow_up_on_data(h)
    for u in REPLYING:
        await h.press(u, "cx_start")
        await h.tap(u, 3)
        await h.press(u, "cx_finish")
    await h.command("close")
    said = texts(summary_message(h)).splitlines()
    assert "*Customer data*  stands at 3 · Excellent" in said
    assert not any("agreed" in line for line in said)
