"""Rounds end to end: start, status, permissions, close with the summary, trend, history."""

from __future__ import annotations

from typing import Any

from bot.model import RoundStatus
from tests.blockkit import assert_valid_blocks
from tests.handlers.conftest import CHANNEL, TEAM, Harness
from tests.slack_requests import slash_command


def reply(h: Harness) -> str:
    text: str = h.slack.responses[-1]["text"]
    return text


async def answer_all(h: Harness, user: str, level: int) -> None:
    """Walk ``user`` through cx-pillars with buttons: current ``level``, target 3, importance."""
    await h.answer_all(user, level, 3, 2, cards=5)


async def run_round(h: Harness, levels: dict[str, int]) -> None:
    people = " ".join(f"<@{u}>" for u in levels)
    assert await h.command(f"start cx-pillars {people}") == 200
    for user, level in levels.items():
        await answer_all(h, user, level)


def summary_message(h: Harness) -> dict[str, Any]:
    return next(m for m in reversed(h.slack.messages(CHANNEL)) if m.get("metadata"))


async def test_status_shows_progress_but_no_answers(harness: Harness) -> None:
    h = harness
    assert await h.command("start cx-pillars <@U1> <@U2>") == 200
    await h.press("U2", "cx_start")
    await h.tap("U2", 1)
    await h.command("status", user="U2")
    text = reply(h)
    assert text.splitlines() == [
        "*CX maturity: five pillars*: 0 of 2 finished · Open until <@ULEAD> closes it",
        "• Not started (1): <@U1>",
        "• Answering (1): <@U2>",
    ]
    assert "1/5" not in text  # how far someone got would single out their rows in an export
    assert "Needs immediate action" not in text


async def test_only_the_lead_or_an_admin_may_close(harness: Harness) -> None:
    h = harness
    await run_round(h, {"U1": 1, "U2": 2})
    await h.command("close", user="U2")
    assert reply(h) == "Only the round's lead (<@ULEAD>) or a workspace admin can do that."
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None and round_.status is RoundStatus.OPEN
    await h.command("remind", user="UADMIN")
    assert reply(h) == "Nobody was reminded."


async def test_close_posts_an_anonymous_summary_with_chart_and_report(harness: Harness) -> None:
    h = harness
    await run_round(h, {"U1": 2, "U2": 2, "U3": 2})
    await h.command("close")
    assert reply(h) == "The round is closed and the summary is in the channel."
    summary = summary_message(h)
    assert_valid_blocks(summary["blocks"])
    payload = summary["metadata"]["event_payload"]
    assert summary["metadata"]["event_type"] == "cx_assess_summary"
    assert payload["framework"] == "cx-pillars" and payload["overall_stage"] == "room-to-improve"
    assert payload["top_gaps"][:1] and payload["disagreements"] == []
    for user in ("U1", "U2", "U3"):
        assert "<@" + user not in str(summary["blocks"])
    uploads = h.slack.calls_to("files.completeUploadExternal", ok_only=True)
    assert [c.params["thread_ts"] for c in uploads] == [summary["ts"], summary["ts"]]
    assert any(data.startswith(b"\x89PNG") for data in h.slack.uploads.values())
    assert "¡Gracias!" in h.last_dm("U1")["text"]  # thanked in their own language
    closed = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert closed.status is RoundStatus.CLOSED and closed.result is not None


async def test_second_round_shows_the_trend(harness: Harness) -> None:
    h = harness
    await run_round(h, {"U1": 1, "U2": 1, "U3": 1})
    await h.command("close")
    await run_round(h, {"U1": 2, "U2": 3, "U3": 3})
    await h.command("close")
    latest = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert latest.result is not None
    trend = latest.result["trend"]
    assert trend["overall"] == {"previous": 1.0, "current": 3.0, "change": 2.0}
    await h.command("history")
    assert reply(h).count("· closed ·") == 2


async def test_second_start_is_refused_while_a_round_is_open(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1>")
    await h.command("start cx-maturity <@U2>")
    assert "A `cx-pillars` round is still open in this channel" in reply(h)


async def test_actionable_errors_are_said_plainly(harness: Harness) -> None:
    h = harness
    await h.command("start nope")
    assert reply(h).startswith("There is no framework `nope`. Available: cx-expectations, ")
    await h.command("start cx-pillars", channel="C0404")
    assert "I am not a member of <#C0404>. Invite me with `/invite @cx-assess`" in reply(h)
    await h.command("close")
    assert reply(h).startswith("There is no open round in this channel.")
    await h.command("dance")
    assert reply(h).startswith("I don't know the subcommand `dance`.") and "*Usage*" in reply(h)


async def test_cancel_by_an_admin_says_so_in_the_announcement_thread(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1>")
    announcement = h.slack.messages(CHANNEL)[-1]
    await h.command("cancel", user="UADMIN")
    assert reply(h) == "The round was canceled; I said so in the announcement's thread."
    note = h.slack.messages(CHANNEL)[-1]
    assert note["thread_ts"] == announcement["ts"] and "was canceled" in note["text"]
    assert not [
        m
        for m in h.slack.messages(CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == "cx_assess_summary"
    ]
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None


async def test_export_uploads_pseudonymised_answers_to_the_lead(harness: Harness) -> None:
    h = harness
    await run_round(h, {"U1": 1, "U2": 2, "U3": 3})
    await h.command("close")
    await h.command("export")
    upload = h.slack.calls_to("files.completeUploadExternal", ok_only=True)[-1]
    assert upload.params["channel_id"] == "DULEAD"
    csv = list(h.slack.uploads.values())[-1].decode()
    assert "participant,area,current,target,importance,comment" in csv
    assert "U1" not in csv and "U2" not in csv and "P01" in csv and "P03" in csv


async def test_rate_limited_fan_out_invites_everyone_once(harness: Harness) -> None:
    h = harness
    h.slack.fail_next("chat.postMessage", "ratelimited", retry_after=0, times=1)
    await h.command("start cx-pillars")
    assert h.invited() == ["U1", "U2", "U3", "ULEAD"]
    assert [c.status for c in h.slack.calls_to("chat.postMessage")].count(429) == 1


async def test_events_nobody_handles_get_200_and_bad_signatures_401(harness: Harness) -> None:
    h = harness
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": "DU1",
        "channel_type": "im",
    }
    assert await h.event(edited) == 200
    assert await h.event({"type": "member_joined_channel", "user": "U1", "channel": CHANNEL}) == 200
    assert (
        await h.event(
            {
                "type": "message",
                "channel_type": "im",
                "channel": "DU1",
                "user": "UBOT",
                "text": "hi",
            }
        )
        == 200
    )
    start = slash_command(
        "start cx-pillars",
        user="ULEAD",
        team=TEAM,
        channel=CHANNEL,
        response_url="",
        trigger_id="t",
    )
    assert (await h.post(start, secret="wrong")).status == 401
    assert (await h.post(start, age=600)).status == 401  # a replay of an old request
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None


async def test_healthz_answers_when_the_database_does(harness: Harness) -> None:
    async with harness.http.get(harness.url + "/healthz") as resp:
        assert resp.status == 200 and (await resp.json()) == {"ok": True}


async def test_min_responses_can_be_set_for_a_round(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> --min-responses 5")
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None and round_.min_responses == 5
    report = await h.deps.rounds.analyse(round_)
    assert report.settings.min_responses == 5


async def test_the_heads_up_counts_the_others_besides_a_lead_who_takes_part(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@ULEAD> <@U1>")  # the lead answers too
    assert reply(h).endswith(
        "Heads-up: with 1 person besides you, no area can be shown: each needs 3 answers besides"
        " yours, to keep them anonymous. For results, cancel and start again with more people."
    )
