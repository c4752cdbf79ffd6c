"""Rounds of many people: one paginated listing of the workspace, and a close that does not wait
for a DM per participant."""

from __future__ import annotations

from bot.rounds import LIST_USERS_ABOVE
from bot.slack_api import USERS_PAGE
from tests.handlers.conftest import CHANNEL, TEAM, Harness, settle
from tests.slack_requests import slash_command

BIG = "C0BIG"


async def test_a_large_channel_is_looked_up_with_one_paginated_user_listing(
    harness: Harness,
) -> None:
    h = harness
    people = [f"UM{i:04d}" for i in range(USERS_PAGE + 50)]  # two pages of the listing
    for i, user in enumerate(people):
        h.slack.add_user(user, locale=("es-ES", "de-DE")[i % 2], deleted=user == "UM0007")
    h.slack.add_user("UMBOT", is_bot=True)
    h.slack.add_channel(BIG, ["ULEAD", *people, "UMBOT", "UOTHER"], name="everyone")
    assert len(people) > LIST_USERS_ABOVE
    await h.command("start cx-pillars", channel=BIG)
    listing = h.slack.calls_to("users.list", ok_only=True)
    assert len(listing) >= 2 and all(c.params["include_locale"] == "1" for c in listing)
    looked_up = [c.params["user"] for c in h.slack.calls_to("users.info")]
    assert sorted(set(looked_up)) == ["ULEAD", "UOTHER"]  # the caller; one the listing lacks
    invited = h.invited()
    assert len(invited) == len(people) and len(set(invited)) == len(invited)  # lead in, one gone
    assert "UM0007" not in invited and "UMBOT" not in invited
    spanish, german = (h.dm_messages(u)[0]["text"] for u in ("UM0000", "UM0001"))
    assert spanish != german  # each in the language the listing gave


async def test_a_small_channel_is_looked_up_person_by_person(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars")
    assert not h.slack.calls_to("users.list")
    assert sorted(h.invited()) == ["U1", "U2", "U3", "ULEAD"]


async def test_the_lead_hears_of_the_close_before_the_participants_are_thanked(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3>")
    for user in ("U1", "U2", "U3"):
        await h.answer_all(user, 2, 3, 2, cards=5)
    replies = len(h.slack.responses)
    thanked = lambda p: str(p.get("channel", "")).startswith("D")  # noqa: E731
    h.slack.hang_after("chat.postMessage", 20.0, times=3, where=thanked)  # Slack is slow
    updates = h.slack.rewrites()
    close = slash_command(
        "close", user="ULEAD", team=TEAM, channel=CHANNEL,
        response_url=h.slack.response_url("cmd-ULEAD"), trigger_id="trigger-close",
    )  # fmt: skip
    await h.post(close)
    [*_, reply] = await h.slack.wait_for_responses(replies + 1, timeout=10)
    assert "closed" in reply["text"].lower()
    summary = [m for m in h.slack.messages(CHANNEL) if m.get("metadata", {}).get("event_type")]
    assert summary[-1]["metadata"]["event_type"] == "cx_assess_summary"
    h.slack.release()  # the lead heard while the thanks were held back
    await settle()  # the thanks follow in the background
    for user in ("U1", "U2", "U3"):
        assert f"<#{CHANNEL}" in h.last_dm(user)["text"]
    assert h.slack.rewrites() == updates  # no card is rewritten at close
