"""A follow-up area fewer than ``min_responses`` people (besides the lead) replied to is withheld
in the follow-up: with the levels of who did not reply carried forward it would look big enough,
while everything it showed (a level, a verdict, whether answers moved, comments) would be what
those few did, and `status` names who finished."""

import json

from tests.handlers.conftest import CHANNEL, TEAM, Harness
from tests.handlers.test_delphi import first_round, summary_message, texts
from tests.handlers.test_rounds import reply


async def answer_follow_up(h: Harness, user: str, *, data: int | str, design: int | str) -> None:
    """``user`` answers a follow-up on data and design: a new level or "not_sure" for each."""
    await h.press(user, "cx_start")
    await h.tap(user, data)
    await h.tap(user, design)
    await h.press(user, "cx_finish")


async def start_follow_up(h: Harness) -> str:
    """The first round (`first_round`) closed and its follow-up started by the lead; the ``ts``
    of the first round's summary."""
    summary = await first_round(h)
    action_id, value, ts = h.button("U1", "cx_followup", summary)
    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts=ts)
    return ts


async def close_unsettled(h: Harness, area: str) -> list[str]:
    """Close the follow-up; the summary's lines, none of which says ``area`` settled."""
    await h.command("close")
    said = texts(summary_message(h)).splitlines()
    assert not any("settled" in line for line in said if line.startswith(f"*{area}"))
    return said


async def test_a_follow_up_area_too_few_replied_to_shows_nothing_of_their_replies(
    harness: Harness,
) -> None:
    h = harness
    summary = await first_round(h)
    first = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert first.result is not None
    split = {a["id"]: a for a in first.result["areas"] if a["id"] in ("data", "design")}
    action_id, value, ts = h.button("U1", "cx_followup", summary)
    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts=ts)
    await h.press("U2", "cx_start")  # only U2 replies: data 1 -> 3, design kept at 3
    await h.tap("U2", 3)
    await h.dm("U2", "comment: only I changed my mind")
    await h.tap("U2", 3)
    await h.press("U2", "cx_finish")

    await h.command("close")  # the lead is warned first, as for a first round
    warned = reply(h)
    assert warned.startswith("*Not yet closed.*")
    assert "• Not shown, too few answers: Customer data" in warned and "Experience design" in warned
    assert (await h.deps.store.open_round(TEAM, CHANNEL)) is not None
    await h.command("close anyway")

    result = summary_message(h)
    said = texts(result)
    for line in said.splitlines():
        if line.startswith(("*Customer data", "*Experience design")):
            assert line.endswith("  too few answers to show")
    assert "How many answers changed is not shown" in said  # once, for the whole summary
    assert "answers moved ·" not in said and "Consensus" not in said and "Excellent" not in said
    assert result["metadata"]["event_payload"]["open"] == ["data", "design"]  # still split
    follow = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert follow.iteration == 2 and follow.result is not None
    replied = (await h.deps.store.answers(follow.id))["U2"]
    assert any("changed my mind" in str(a.comment) for a in replied.values())  # kept, not shown
    stored = json.dumps(follow.result)
    assert "changed my mind" not in stored
    assert all(a["below_min_responses"] for a in follow.result["areas"])

    # the first round keeps its split: neither its result nor its summary took U2's levels
    parent = await h.deps.store.get_round(first.id)
    assert parent is not None and parent.result is not None
    for area in parent.result["areas"]:
        if area["id"] in split:
            assert area == split[area["id"]]
    assert not [c for c in h.slack.calls_to("chat.update") if c.params["ts"] == ts]  # as it was
    report = [v.decode() for v in h.slack.uploads.values() if v[:1] != b"\x89"][-1]
    assert "(follow-up 1)" not in report and "changed my mind" not in report

    # asked again, nobody's card shows what U2 did
    await h.command("followup")
    third = await h.deps.store.open_round(TEAM, CHANNEL)
    assert third is not None and [a.id for a in third.framework.areas] == ["data", "design"]
    await h.press("U4", "cx_start")
    card = texts(h.card("U4"))
    assert "how they differed stays hidden" in card and "changed my mind" not in card


async def test_only_the_areas_enough_replied_to_update_the_first_round(harness: Harness) -> None:
    h = harness
    summary = await first_round(h)
    first = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    action_id, value, ts = h.button("U1", "cx_followup", summary)
    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts=ts)
    # data: four give a new level; design: only U2 does, the others are not sure
    for user, design in (("U1", "not_sure"), ("U2", 3), ("U3", "not_sure"), ("U4", "not_sure")):
        await answer_follow_up(h, user, data=2, design=design)
    await h.command("close")
    assert reply(h).startswith("*Not yet closed.*") and "Customer data" not in reply(h)
    await h.command("close anyway")

    said = texts(summary_message(h)).splitlines()
    assert "*Customer data*  stands at 2 · Room for improvement" in said
    assert "*Experience design*  too few answers to show" in said
    parent = await h.deps.store.get_round(first.id)
    assert parent is not None and parent.result is not None
    areas = {a["id"]: a for a in parent.result["areas"]}
    assert (areas["data"]["iteration"], areas["design"]["iteration"]) == (2, 1)
    assert areas["design"]["distribution"] == {"1": 2, "2": 0, "3": 3}  # the first round's
    (edit,) = [c for c in h.slack.calls_to("chat.update", ok_only=True) if c.params["ts"] == ts]
    edited = texts({"blocks": edit.params["blocks"]}).splitlines()
    assert "Updated after follow-up 1" in "\n".join(edited)
    assert any(line.startswith("• *Experience design*  answers split") for line in edited)


async def test_a_withheld_reply_does_not_count_in_the_next_follow_up(harness: Harness) -> None:
    # Follow-up 1: only U2 replies (design 1), withheld. Follow-up 2: U1, U3 and U4 reply 3.
    # Follow-up 2 starts from where people stood (the first round's levels, design 3 for U2),
    # not from U2's withheld 1: else its report and the refreshed first summary, side by side
    # with `status`, would tell U2's answer.
    h = harness
    await start_follow_up(h)
    await h.press("U2", "cx_start")
    await h.tap("U2", "not_sure")  # data
    await h.tap("U2", 1)  # design
    await h.press("U2", "cx_finish")
    await h.command("close anyway")
    await h.command("followup")
    for user in ("U1", "U3", "U4"):
        await answer_follow_up(h, user, data="not_sure", design=3)
    await h.command("close anyway")

    second = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert second.iteration == 3 and second.result is not None
    design = next(a for a in second.result["areas"] if a["id"] == "design")
    assert (design["n"], design["distribution"]) == (5, {"1": 0, "2": 0, "3": 5})
    assert "*Experience design*  stands at 3 · Excellent" in texts(summary_message(h))


async def test_counts_beside_the_first_rounds_do_not_show_movement_the_follow_up_withholds(
    harness: Harness,
) -> None:
    # Data was 2 / 1 / 2 (answers 1, 1, 3, 3, 2). U1, U2 and U3 reply 3: enough to settle data,
    # too few pairs to show movement. Its counts now (0 / 1 / 4) would show two answers went
    # 1 -> 3, so the updated report and first summary keep them back.
    h = harness
    ts = await start_follow_up(h)
    for user in ("U1", "U2", "U3"):
        await answer_follow_up(h, user, data=3, design="not_sure")
    await h.command("close anyway")
    assert "How many answers changed is not shown" in texts(summary_message(h))
    report = [v.decode() for v in h.slack.uploads.values() if v[:1] != b"\x89"][-1]
    data = next(line for line in report.splitlines() if line.startswith("| Customer data"))
    assert "0 / 1 / 4" not in data and data.endswith("| – |")
    (edit,) = [c for c in h.slack.calls_to("chat.update", ok_only=True) if c.params["ts"] == ts]
    assert "4 say 3" not in json.dumps(edit.params["blocks"])
    follow = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert follow.result is not None
    own = next(a for a in follow.result["areas"] if a["id"] == "data")
    assert own["counts_hidden"] is True  # so a next follow-up's cards show no bars either


async def test_hidden_movement_does_not_make_an_area_stable(harness: Harness) -> None:
    # U1, U2 and U3 keep their design answers (1, 3, 1). Three pairs are too few to show
    # movement, so "stable" (80% unchanged) would tell that none of them moved: design stays open.
    h = harness
    await start_follow_up(h)
    for user, design in (("U1", 1), ("U2", 3), ("U3", 1)):
        await answer_follow_up(h, user, data="not_sure", design=design)
    await h.command("close anyway")
    result = summary_message(h)
    said = texts(result)
    assert "answers still differ" in said and "How many answers changed is not shown" in said
    assert "design" in result["metadata"]["event_payload"]["open"]
    still = next(line for line in said.splitlines() if line.startswith("Still split"))
    assert "Experience design" in still


async def test_an_export_after_a_follow_up_is_the_whole_round_without_the_hidden_counts(
    harness: Harness,
) -> None:
    # The lead and five others split on data; the lead and four of them re-answer 3, U5 keeps
    # 1. Four pairs besides the lead are too few to show movement, so neither the report nor
    # the CSV may show data's counts (1 / 0 / 5 beside the first round's 3 / 1 / 2).
    h = harness
    for user in ("U4", "U5"):
        h.slack.add_user(user, name=user.lower(), locale="en-US")
    first = {"ULEAD": 1, "U1": 1, "U2": 3, "U3": 3, "U4": 2, "U5": 1}
    await h.command("start cx-pillars " + " ".join(f"<@{u}>" for u in first))
    for user, data in first.items():
        await h.press(user, "cx_start")
        for level in (data, 1 if user in ("U1", "U2") else 3, 2, 2, 2):
            await h.answer_card(user, level, 3, 2)
        await h.press(user, "cx_finish")
    await h.command("close")
    await h.command("followup")
    for user in ("ULEAD", "U1", "U2", "U3", "U4"):
        await answer_follow_up(h, user, data=3, design="not_sure")
    await h.command("close anyway")
    assert "How many answers changed is not shown" in texts(summary_message(h))
    before = len(h.slack.uploads)
    await h.command("export")
    files = [v.decode() for v in list(h.slack.uploads.values())[before:]]
    report = next(f for f in files if f.startswith("#"))
    data = next(line for line in report.splitlines() if line.startswith("| Customer data"))
    assert "1 / 0 / 5" not in data and data.endswith("| – |")
    assert "| Experience delivery" in report  # the whole round, not the re-asked areas alone
    csv = next(f for f in files if f.startswith("participant,"))
    assert ",data," not in csv and ",delivery," in csv


async def test_one_not_sure_cannot_settle_a_follow_up_among_too_few_to_judge(
    harness: Harness,
) -> None:
    # Data was 1, 1, 3, 3, 2 (split). In the follow-up U5 is not sure and the others answer 1,
    # 1, 2, 2: four answers, too few for counts, with a median between two levels, which is
    # not judged; so data is neither settled (by one person's "not sure") nor called split,
    # and stays open.
    h = harness
    await start_follow_up(h)
    for user, data, design in (("U1", 1, 1), ("U2", 1, 3), ("U3", 2, 1), ("U4", 2, 3)):
        await answer_follow_up(h, user, data=data, design=design)
    await answer_follow_up(h, "U5", data="not_sure", design=3)
    said = await close_unsettled(h, "Customer data")
    assert (
        "*Customer data*  now at between 1 · Needs immediate action and 2 · Room for improvement"
        " (too few answers to tell whether you agree)" in said
    )
    assert "data" in summary_message(h)["metadata"]["event_payload"]["open"]
    await h.command("followup")  # data may be asked again
    again = await h.deps.store.open_round(TEAM, CHANNEL)
    assert again is not None and "data" in [a.id for a in again.framework.areas]


async def test_a_follow_up_whose_counts_are_kept_back_is_judged_as_one_without_counts(
    harness: Harness,
) -> None:
    # cx-maturity, six people; CX philosophy 3, 4, 1, 2, 1, 2 (split, counts shown). In the
    # follow-up U1-U4 answer 1, 2, 1, 2 and U5, U6 keep theirs: six levels, but four pairs are too
    # few to show movement, so its counts are kept back. "Settled at between 1 and 2" among six
    # could then only be 1, 1, 1, 2, 2, 2: the 3 and the 4 both moved down. It reads as a
    # median alone, still open.
    h = harness
    users = ("U1", "U2", "U3", "U4", "U5", "U6")
    for u in ("U4", "U5", "U6"):
        h.slack.add_user(u, name=u.lower(), locale="en-US")
    await h.command("start cx-maturity " + " ".join(f"<@{u}>" for u in users))
    for user, first in zip(users, (3, 4, 1, 2, 1, 2), strict=True):
        await h.press(user, "cx_start")
        await h.answer_card(user, first, 3)
        for _ in range(11):
            await h.answer_card(user, 2, 3)
        await h.press(user, "cx_finish")
    await h.command("close")
    action_id, value, ts = h.button("U1", "cx_followup", summary_message(h))
    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts=ts)
    for user, level in zip(("U1", "U2", "U3", "U4"), (1, 2, 1, 2), strict=True):
        await h.press(user, "cx_start")
        await h.tap(user, level)
        await h.press(user, "cx_finish")
    said = await close_unsettled(h, "CX philosophy")
    assert (
        "*CX philosophy*  now at between 1 · Initiation and 2 · Development (too few answers to "
        "tell whether you agree)" in said
    )
