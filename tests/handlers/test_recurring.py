"""Recurring rounds end to end: `--every` and the form's field, the clock starting the next run
(waiting while a round is open), `/cx-assess schedule` and cancelling it."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.model import RoundStatus, Schedule
from tests.handlers.conftest import CHANNEL, HEADS_UP_TWO, TEAM, Harness
from tests.handlers.test_home_modal_clock import modal_values, submit_modal
from tests.handlers.test_rounds import reply
from tests.slack_requests import view_submission


async def rounds(h: Harness) -> list[tuple[str, RoundStatus]]:
    """The channel's rounds, oldest first: framework and status."""
    found = await h.deps.store.rounds_in_channel(TEAM, CHANNEL)
    return [(r.framework.id, r.status) for r in reversed(found)]


async def test_a_schedule_starts_the_next_round_by_the_clock_and_can_be_canceled(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> --every 2 weeks --deadline 2026-12-10")
    assert reply(h) == (
        "Invited 2 people by DM.\nRepeats every 2 weeks; the next round starts on 2026-12-09.\n"
        + HEADS_UP_TWO
    )
    await h.command("schedule", user="U1")  # anyone may look, in their own language
    assert reply(h) == (
        "*Ronda periódica:* *Madurez de la CX: cinco pilares* con las mismas 2 personas, dirigida"
        " por <@ULEAD>.\nSe repite cada 2 semanas; la próxima ronda empieza el 2026-12-09."
    )

    # Due, but the first round is still open: it waits, and the lead is told so once (a post
    # Slack certainly refused is tried again at the next tick)
    h.clock.now = datetime.fromisoformat("2026-12-09T10:00:00+00:00")
    h.slack.fail_next(
        "chat.postMessage", "ratelimited", status=200, where=lambda p: "is due" in str(p["text"])
    )
    await h.deps.rounds.tick()
    assert await rounds(h) == [("cx-pillars", RoundStatus.OPEN)]
    assert not [m for m in h.dm_messages("ULEAD") if "is due" in m["text"]]
    for _ in range(3):
        h.clock.now += timedelta(minutes=1)
        await h.deps.rounds.tick()
    waiting = [m["text"] for m in h.dm_messages("ULEAD") if "is due" in m["text"]]
    assert waiting == [
        "The next *CX maturity: five pillars* round in <#C0001> is due, but a round is still open"
        " there: the new one starts once that one is closed or canceled."
    ]
    await h.command("cancel")  # this run only: the lead hears the schedule goes on
    assert reply(h).endswith("Repeats every 2 weeks; the next round starts on 2026-12-09.")
    h.clock.now = datetime.fromisoformat("2026-12-12T10:00:00+00:00")  # Saturday: not yet
    await h.deps.rounds.tick()
    assert len(await rounds(h)) == 1
    h.clock.now = datetime.fromisoformat("2026-12-14T08:30:00+00:00")  # Monday 9:30 in Madrid
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    assert await rounds(h) == [
        ("cx-pillars", RoundStatus.CANCELLED),
        ("cx-pillars", RoundStatus.OPEN),
    ]
    second = await h.deps.store.open_round(TEAM, CHANNEL)
    assert second is not None and second.started_by == "ULEAD"
    assert {p.user_id for p in await h.deps.store.participants(second.id)} == {"U1", "U2"}
    schedule = await h.deps.store.schedule(TEAM, CHANNEL)
    assert schedule is not None and schedule.next_run.isoformat() == "2026-12-23T10:00:00+00:00"

    # Only its lead cancels it
    await h.command("schedule")
    reply_blocks = h.slack.responses[-1]["blocks"]
    message = {"blocks": reply_blocks, "ts": "1"}
    action_id, value, _ = h.button("ULEAD", "cx_schedule_cancel", message)
    await h.click("U2", action_id, value, channel=CHANNEL, ts="1")
    assert h.slack.ephemerals[-1]["text"] == (
        "Only the round's lead (<@ULEAD>) or a workspace admin can do that."
    )
    assert await h.deps.store.schedule(TEAM, CHANNEL) is not None
    await h.click("ULEAD", action_id, value, channel=CHANNEL, ts="1")
    assert h.slack.ephemerals[-1]["text"] == (
        f"The recurring round is canceled: no more rounds will start by themselves in <#{CHANNEL}>."
    )
    await h.command("cancel")
    h.clock.now += timedelta(weeks=4)
    await h.deps.rounds.tick()
    assert [status for _, status in await rounds(h)][-1] is RoundStatus.CANCELLED
    await h.command("schedule")
    assert reply(h).startswith("This channel has no recurring round.")


async def test_a_recurring_round_without_deadline_closes_by_itself_and_the_next_one_starts(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> --every 2 weeks")
    assert reply(h) == (
        "Invited 2 people by DM.\nRepeats every 2 weeks; the next round starts on 2026-12-09.\n"
        "No deadline was given, so this round is open until"
        " <!date^1796749200^{date_short_pretty} {time}|Tue, Dec 8, 17:00 UTC>; each later round"
        " closes 13 days after it starts, before the next one is due.\n" + HEADS_UP_TWO
    )  # a day less than the cadence: 18:00 in Madrid, the day before the next run
    assert "open until <!date^1796749200^" in h.slack.messages(CHANNEL)[0]["text"]
    assert "Tue, Dec 8, 17:00 GMT" in str(h.dm_messages("U2")[0]["blocks"])  # the invitation
    h.clock.now = datetime.fromisoformat("2026-12-09T10:00:00+00:00")  # Wednesday, 11:00 Madrid
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    assert await rounds(h) == [
        ("cx-pillars", RoundStatus.CLOSED),
        ("cx-pillars", RoundStatus.OPEN),
    ]
    second = await h.deps.store.open_round(TEAM, CHANNEL)
    assert second is not None and second.deadline is not None
    assert second.deadline.isoformat() == "2026-12-22T17:00:00+00:00"  # 13 days again


async def test_a_schedule_stored_without_a_deadline_gives_its_runs_the_default_one(
    harness: Harness,
) -> None:
    h = harness
    await h.deps.store.set_schedule(
        Schedule(
            team_id=TEAM, channel_id=CHANNEL, framework_id="cx-pillars", lead="ULEAD",
            lead_tz="Europe/Madrid", users=("U1", "U2"), lang="en", min_responses=None,
            deadline_days=None, cadence="quarter", next_run=h.clock.now, created_at=h.clock.now,
        )
    )  # fmt: skip
    await h.deps.rounds.tick()
    started = await h.deps.store.open_round(TEAM, CHANNEL)
    assert started is not None and started.deadline is not None
    assert started.deadline.isoformat() == "2026-12-09T17:00:00+00:00"  # 14 days


async def test_a_run_of_the_channels_members_keeps_the_deadlines_length(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars --deadline 2026-12-02 --every month")
    await h.command("cancel")
    h.clock.now = datetime.fromisoformat("2026-12-25T10:00:00+00:00")  # a Friday
    await h.deps.rounds.tick()
    second = await h.deps.store.open_round(TEAM, CHANNEL)
    assert second is not None and second.deadline is not None
    assert second.deadline.isoformat() == "2027-01-01T17:00:00+00:00"  # 7 days, 18:00 in Madrid
    people = {p.user_id for p in await h.deps.store.participants(second.id)}
    assert people == {"ULEAD", "U1", "U2", "U3"}  # the channel's people at that time


async def test_the_start_form_takes_a_cadence_and_refuses_a_bad_one(harness: Harness) -> None:
    h = harness
    await h.command("")
    view = h.slack.calls_to("views.open", ok_only=True)[0].params["view"]
    assert [b["block_id"] for b in view["blocks"]].count("every") == 1
    values = modal_values("cx-pillars", ["U1", "U2", "U3"], None, "en")
    values["every"] = {"value": {"type": "plain_text_input", "value": "fortnight"}}
    resp = await h.post(view_submission("ULEAD", TEAM, view, values))
    answer = await resp.json()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["every"]
    values["every"] = {"value": {"type": "plain_text_input", "value": "3 Wochen"}}
    assert await submit_modal(h, view, values) == 200
    schedule = await h.deps.store.schedule(TEAM, CHANNEL)
    assert schedule is not None and schedule.cadence == "3w"
    assert schedule.users == ("U1", "U2", "U3")
    assert h.slack.ephemerals[-1]["text"].endswith(
        "Repeats every 3 weeks; the next round starts on 2026-12-16.\nNo deadline was given, so"
        " this round is open until <!date^1796835600^{date_short_pretty} {time}|Wed, Dec 9, 17:00 UTC>;"
        " each later round closes 14 days after it starts, before the next one is due."
    )


async def test_a_bad_every_in_the_command_starts_nothing(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars --every 0 weeks")
    assert reply(h).startswith(
        "`--every` takes `quarter`, `month` or a number of weeks from 1 to 52"
        " (`--every 2 weeks`), not `0 weeks`."
    )
    assert await rounds(h) == []
    assert await h.deps.store.schedule(TEAM, CHANNEL) is None


async def test_a_run_that_cannot_start_is_told_to_the_lead_and_the_schedule_goes_on(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2> --every 1 week")
    await h.command("cancel")
    h.slack.add_user("U2", name="ben", locale="en-GB", tz="Europe/London", deleted=True)
    h.clock.now += timedelta(weeks=1)
    await h.deps.rounds.tick()
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None
    assert h.last_dm("ULEAD")["text"].startswith(
        f"The recurring round in <#{CHANNEL}> could not start this time; the schedule goes on.\n"
    )
    schedule = await h.deps.store.schedule(TEAM, CHANNEL)
    assert schedule is not None and schedule.next_run == h.clock.now + timedelta(weeks=1)
