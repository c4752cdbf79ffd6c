"""What happens when things go wrong: pauses, failed Slack calls, crashes, odd participants."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from bot.handlers.middleware import replay_kept
from bot.model import RoundStatus
from bot.slack_api import TOKEN_FAILED_PAUSE
from tests.handlers.conftest import CHANNEL, TEAM, Harness, settle


def reply(h: Harness) -> str:
    text: str = h.slack.responses[-1]["text"]
    return text


def summaries(h: Harness) -> list[dict]:
    return [
        m
        for m in h.slack.messages(CHANNEL)
        if m.get("metadata", {}).get("event_type") == "cx_assess_summary"
    ]


async def current_answers(h: Harness, user: str, channel: str = CHANNEL) -> dict:
    round_ = await h.deps.store.open_round(TEAM, channel)
    assert round_ is not None
    person = await h.deps.store.participant(round_.id, user)
    assert person is not None
    return dict(person.state.answers)


async def test_pause_then_continue_shows_the_pending_card_again_once(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    question = h.last_dm("U2")
    await h.press("U2", "cx_pause")  # on the first card, before any answer
    paused = h.last_dm("U2")
    assert paused["text"].startswith("Paused.")
    assert paused["blocks"][1]["elements"][0]["text"]["text"] == "Continue"  # not "Start"
    assert any(b["type"] == "actions" for b in h.dm_messages("U2")[-2]["blocks"])  # still live
    await h.dm("U2", "continue")
    again = h.last_dm("U2")
    assert again["ts"] != question["ts"] and again["metadata"] == question["metadata"]
    old = next(m for m in h.dm_messages("U2") if m["ts"] == question["ts"])
    assert old["text"] == "↓ Continued below"  # the old copy is no longer clickable
    assert all(b["type"] != "actions" for b in old["blocks"])


async def test_app_home_continue_reposts_the_question(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    await h.tap("U2", 2)
    before = len(h.dm_messages("U2"))
    await h.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    home = h.slack.home_views["U2"]
    button = next(b["accessory"] for b in home["blocks"] if b.get("accessory"))
    assert button["text"]["text"] == "Continue"
    await h.click("U2", button["action_id"], button["value"], channel="DU2", ts="1.1")
    assert len(h.dm_messages("U2")) == before + 1
    card = h.last_dm("U2")
    assert card["metadata"]["event_payload"]["area_id"] == "data"
    assert ":white_check_mark: 2 · Room for improvement" in str(card["blocks"])


async def test_a_new_invitation_does_not_steal_the_answer_to_the_current_question(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")  # asking in #cx-team
    await h.command("start cx-strategy <@U2>", channel="C0002")  # a newer invitation arrives
    await h.dm("U2", "2")
    assert (await current_answers(h, "U2"))["data"].current == 2
    assert await current_answers(h, "U2", "C0002") == {}


async def test_a_summary_slack_refuses_is_posted_by_the_clock_later(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.command("close")  # nobody answered: the lead is warned first
    round_ = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    h.slack.fail_next("chat.postMessage", "channel_is_archived")
    await h.click("ULEAD", "cx_close_anyway", str(round_.id), channel="DULEAD", ts="1.0")
    assert "Slack refused the summary (channel_is_archived)" in h.last_dm("ULEAD")["text"]
    round_ = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert round_.status is RoundStatus.CLOSED and round_.summary_ts is None
    await h.deps.rounds.tick()
    round_ = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert round_.summary_ts is not None
    assert len(summaries(h)) == 1
    await h.deps.rounds.tick()
    assert len(summaries(h)) == 1


async def test_no_round_exists_when_the_bot_cannot_post_in_the_channel(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2>", channel="C0404")
    assert "I am not a member of <#C0404>" in reply(h)
    assert await h.deps.store.open_round(TEAM, "C0404") is None
    assert h.invited() == []


async def test_a_token_error_is_the_workspaces_problem_not_a_refusal_by_the_people(
    harness: Harness,
) -> None:
    # The token fails on the invitations: they wait, nobody is written off, and the clock
    # leaves the workspace alone for a while (no call at all) before it tries again.
    h = harness
    h.slack.fail_next(  # every invitation under way, until the token is fixed
        "chat.postMessage", "token_expired", times=3, where=lambda p: p["channel"] != CHANNEL
    )
    await h.command("start cx-pillars <@U1> <@U2> <@U3>")
    assert "token_expired" not in reply(h) and "still waiting" in reply(h)
    calls = len(h.slack.calls_to("chat.postMessage"))  # those already under way went out
    h.clock.now += TOKEN_FAILED_PAUSE / 2
    await h.deps.rounds.tick()
    assert len(h.slack.calls_to("chat.postMessage")) == calls  # paused: no call at all
    await h.command("status")
    assert "token_expired" not in reply(h) and "could not" not in reply(h).lower()
    h.clock.now += TOKEN_FAILED_PAUSE
    await h.deps.rounds.tick()
    assert sorted(h.invited()) == ["U1", "U2", "U3"]


async def test_an_announcement_meeting_an_expired_token_keeps_the_round(harness: Harness) -> None:
    h = harness
    h.slack.fail_next("chat.postMessage", "token_expired")
    await h.command("start cx-pillars <@U1>")
    assert reply(h).startswith("The round is started, but Slack refused the app's token")
    assert await h.deps.store.open_round(TEAM, CHANNEL) is not None  # announced by the clock
    h.clock.now += TOKEN_FAILED_PAUSE
    await h.deps.rounds.tick()
    assert h.invited() == ["U1"]


async def test_a_round_started_after_a_discarded_one_asks_its_own_framework(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1>", channel="C0404")  # refused: discarded
    assert "I am not a member of <#C0404>" in reply(h)
    await h.command("start cx-strategy <@U1>")
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None and round_.framework.id == "cx-strategy"
    fetched = await h.deps.store.get_round(round_.id)
    assert fetched is not None and fetched.framework.id == "cx-strategy"


async def test_a_failed_update_of_the_old_question_does_not_stop_the_next(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    await h.answer_card("U2", 1, 3)
    h.slack.fail_next("chat.update", "message_not_found")
    await h.tap("U2", 2, "importance")  # completes the card: the next one, then fade this one
    assert h.last_dm("U2")["metadata"]["event_payload"]["index"] == 2
    assert (await current_answers(h, "U2"))["data"].importance == 2


async def test_people_who_cannot_be_invited_are_named_with_the_reason(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@UROBOT> <@UGONE> <@UNOBODY>")
    text = reply(h)
    assert text.startswith("Invited 1 person by DM.")
    assert "Could not reach <@UROBOT>: is_bot" in text
    assert "Could not reach <@UGONE>: deactivated" in text
    assert "Could not reach <@UNOBODY>: user_not_found" in text


async def test_a_typed_answer_acknowledged_before_a_crash_is_applied_after_restart(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    # What the middleware stores before Slack gets its 200 ... and then the process dies.
    event = {"type": "message", "channel_type": "im", "channel": "DU2", "user": "U2", "text": "3"}
    assert await h.deps.store.first_time("event:Ev-crash", event)
    await replay_kept(h.deps)
    assert (await current_answers(h, "U2"))["data"].current == 3
    assert await h.deps.store.undone_requests() == []
    assert await replay_kept(h.deps) == 0


async def test_a_click_acknowledged_before_a_crash_is_applied_after_restart(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    # What the middleware stores before Slack gets its 200 ... and then the process dies.
    key, click = h.kept("U2", "cx_skip")
    assert await h.deps.store.first_time(key, click)
    assert await replay_kept(h.deps) == 1
    assert h.last_dm("U2")["metadata"]["event_payload"]["index"] == 2  # the first card skipped
    assert await h.deps.store.undone_requests() == []
    assert await replay_kept(h.deps) == 0


@pytest.mark.sqlite_only
async def test_every_typed_answer_is_marked_done_once_applied(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    await h.dm("U2", "2", event_id="Ev-typed")
    assert await h.deps.store.undone_requests() == []
    with sqlite3.connect(h.deps.settings.database) as db:
        payload, done = db.execute(
            "SELECT payload, done FROM seen_requests WHERE key = 'event:Ev-typed'"
        ).fetchone()
    assert payload is None and done == 1  # kept until applied, then forgotten
    assert not await h.deps.store.first_time("event:Ev-typed")


async def test_export_after_the_round_closed(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3>")
    for user in ("U1", "U2", "U3"):
        await h.answer_all(user, 2, 3, 2, cards=5)
    await h.command("close")
    await h.command("export")
    assert reply(h).startswith("The pseudonymized answers and the full report")
    await h.command("export", user="U2")
    assert reply(h).startswith("Only the round's lead")


async def test_a_typed_answer_whose_next_question_failed_is_not_applied_twice(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    h.slack.fail_next("chat.update", "fatal_error")  # the card cannot be updated
    await h.dm("U2", "3", event_id="Ev-sent-failed")
    assert await h.deps.store.undone_requests() == []  # done once saved, not once sent
    assert await replay_kept(h.deps) == 0
    answer = (await current_answers(h, "U2"))["data"]
    assert (answer.current, answer.target) == (3, None)


async def test_no_automatic_reminder_right_after_the_invitation(harness: Harness) -> None:
    h = harness
    h.clock.now = h.clock.now.replace(hour=10)  # 10:00 in London (U2), a Wednesday
    await h.command("start cx-pillars <@U2> --deadline 2026-11-25")  # closes 18:00 Madrid today
    await h.deps.rounds.tick()
    assert not any("friendly reminder" in m["text"] for m in h.dm_messages("U2"))


async def test_a_dead_token_is_tried_once_a_pause_not_every_minute_for_everyone(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2>")
    before = len(h.slack.calls_to("chat.postMessage"))
    h.slack.fail_next("chat.postMessage", "token_revoked", times=500)
    h.clock.now += timedelta(days=2, minutes=1)  # reminders are due
    for _ in range(30):  # half an hour of the clock
        await h.deps.rounds.tick()
        h.clock.now += timedelta(minutes=1)
    attempts = h.slack.calls_to("chat.postMessage")[before:]
    assert timedelta(minutes=15) == TOKEN_FAILED_PAUSE
    assert 1 <= len(attempts) <= 3  # one call each 15 minutes, not one per person and minute
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    people = await h.deps.store.participants(round_.id)
    assert all(p.reminders_sent == 0 for p in people)  # none used up by the dead token


async def test_a_member_slack_cannot_tell_about_now_is_not_left_out_silently(
    harness: Harness,
) -> None:
    h = harness
    h.slack.fail_next(  # not about the lead: about the members to invite
        "users.info", "internal_error", status=500, times=20, where=lambda p: p["user"] == "U2"
    )
    await h.command("start cx-pillars")  # everyone in the channel
    assert reply(h).startswith("Slack could not look up 1 of the people")
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None  # nothing started
    failed = [c for c in h.slack.calls_to("users.info") if c.error]
    h.slack.recover()
    assert failed and all(c.params["user"] == "U2" for c in failed)
    await h.command("start cx-pillars")  # a minute later Slack answers: everyone is invited
    assert await h.deps.store.open_round(TEAM, CHANNEL) is not None


@pytest.mark.parametrize(
    ("method", "error"), [("users.info", "invalid_auth"), ("chat.postMessage", "token_expired")]
)
async def test_the_leads_everyone_answered_dm_survives_a_failed_call(
    harness: Harness, method: str, error: str
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2>")
    for user in ("U1", "U2"):
        await h.answer_all(user, 2, 3, 2, cards=5)
    lead_dms = len(h.dm_messages("ULEAD"))
    h.slack.fail_next(method, error, times=10, where=lambda p: p.get("channel", "U") != CHANNEL)
    await h.deps.rounds.tick()
    h.slack.recover()
    for _ in range(2):  # the token's pause (if any) ends, and the clock tries again
        h.clock.now += TOKEN_FAILED_PAUSE + timedelta(minutes=1)
        await h.deps.rounds.tick()
    told = [m.get("text") or "" for m in h.dm_messages("ULEAD")[lead_dms:]]
    assert sum("Everyone has answered" in text for text in told) == 1


async def test_a_start_meeting_a_failing_token_says_so(harness: Harness) -> None:
    h = harness
    h.slack.fail_next("users.info", "invalid_auth", where=lambda p: p["user"] == "U2")
    await h.command("start cx-pillars")  # everyone in the channel
    assert reply(h).startswith("Slack refused the app's token (invalid_auth), so nothing was")
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None


@contextmanager
def answers_unreadable(h: Harness) -> Iterator[None]:
    """The database fails every turn meanwhile (its answers table is gone), then recovers."""
    with sqlite3.connect(h.deps.settings.database) as db:
        db.execute("ALTER TABLE answers RENAME TO answers_away")
    try:
        yield
    finally:
        with sqlite3.connect(h.deps.settings.database) as db:
            db.execute("ALTER TABLE answers_away RENAME TO answers")


@pytest.mark.sqlite_only
async def test_a_click_that_failed_is_not_applied_later_over_the_persons_retry(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    with caplog.at_level(logging.DEBUG), answers_unreadable(h):
        assert await h.tap("U2", 3) == 200  # kept, acknowledged, then its turn fails
        await settle()
    assert h.last_dm("U2")["text"].startswith("Something went wrong")
    await h.tap("U2", 2)  # the person tries again, and chooses 2 this time
    later = datetime.now(UTC) + timedelta(minutes=5)  # the clock, once the lease has run out
    assert await replay_kept(h.deps, later) == 0  # what failed, and was said to, stays failed
    assert (await current_answers(h, "U2"))["data"].current == 2
    # No log line ties the person to the level they chose, nor does any key kept in the inbox.
    lines = [r.getMessage() for r in caplog.records]
    assert lines and not [line for line in lines if "U2" in line and "3" in line], lines
    with sqlite3.connect(h.deps.settings.database) as db:
        keys = [key for (key,) in db.execute("SELECT key FROM seen_requests")]
    clicks = [key for key in keys if key.startswith("click:")]
    assert len(clicks) == 3 and all(re.fullmatch(r"click:[0-9a-f]{32}", k) for k in clicks), keys


@pytest.mark.sqlite_only
async def test_a_typed_answer_that_failed_is_not_applied_later_over_the_persons_retry(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    with answers_unreadable(h):
        assert await h.dm("U2", "3", event_id="Ev-failed") == 200
        await settle()
    assert h.last_dm("U2")["text"].startswith("Something went wrong")
    await h.dm("U2", "2", event_id="Ev-retried")
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert await replay_kept(h.deps, later) == 0
    answer = (await current_answers(h, "U2"))["data"]
    assert (answer.current, answer.target) == (2, None)
