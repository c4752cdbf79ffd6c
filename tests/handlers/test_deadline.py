"""`/cx-assess deadline`: the lead gives an open round more time (or less), checked like a start's
deadline; the channel is told, the clock closes it at the new time, and reminders come again."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from bot.model import Round, RoundStatus
from bot.render.blocks.nudges import closing_soon
from tests.blockkit import assert_valid_blocks
from tests.handlers.conftest import CHANNEL, TEAM, Harness, settle
from tests.handlers.test_rounds import reply
from tests.slack_requests import view_submission


async def test_the_lead_moves_the_deadline_and_the_round_closes_then(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3> --deadline 2026-11-27")  # 18:00 Madrid
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None and round_.deadline is not None
    h.clock.now = datetime.fromisoformat("2026-11-27T09:30:00+00:00")  # the last day
    await h.deps.rounds.tick()
    assert [p.reminders_sent for p in await h.deps.store.participants(round_.id)] == [1, 1, 1]

    await h.command("deadline 2026-12-04", user="U2")  # not the lead
    assert reply(h).startswith("Only the round's lead")
    for text, said in (
        ("deadline", "Give the new last day: `/cx-assess deadline YYYY-MM-DD`."),
        ("deadline 2026-11-26", "The deadline 2026-11-26 has already passed."),
        ("deadline 2026-02-30", "`2026-02-30` is not a date: use YYYY-MM-DD, e.g. 2026-12-31."),
        ("deadline 2026-11-27", "The round already closes on 2026-11-27, so nothing was changed."),
    ):
        await h.command(text)
        assert reply(h).startswith(said)
    still = await h.deps.store.get_round(round_.id)
    assert still is not None and still.deadline == round_.deadline
    # the same day again reset nothing: nobody is reminded twice, the channel is not told
    assert [p.reminders_sent for p in await h.deps.store.participants(round_.id)] == [1, 1, 1]
    assert not any("moved the deadline" in m["text"] for m in h.slack.messages(CHANNEL))

    await h.command("deadline 2026-12-04")
    assert reply(h) == (
        "Done: the round now closes Fri, Dec 4, 18:00 CET. Whoever has not finished gets the"
        " reminders again before then, and the channel is told in the announcement's thread."
    )
    moved = await h.deps.store.get_round(round_.id)
    assert moved is not None and moved.deadline is not None
    assert moved.deadline.isoformat() == "2026-12-04T17:00:00+00:00"
    told = h.slack.messages(CHANNEL)[-1]
    assert told["thread_ts"] == round_.announce_ts
    assert told["text"].startswith("<@ULEAD> moved the deadline: the assessment now closes <!date^")
    assert [p.reminders_sent for p in await h.deps.store.participants(round_.id)] == [0, 0, 0]

    h.clock.now = datetime.fromisoformat("2026-11-27T17:30:00+00:00")  # the old deadline
    await h.deps.rounds.tick()
    assert await h.deps.store.open_round(TEAM, CHANNEL) is not None
    h.clock.now = datetime.fromisoformat("2026-12-04T17:01:00+00:00")
    await h.deps.rounds.tick()
    closed = await h.deps.store.get_round(round_.id)
    assert closed is not None and closed.status is RoundStatus.CLOSED


async def test_a_recurring_round_cannot_run_into_its_next_run(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3> --every 2 weeks")
    await h.command("deadline 2026-12-20")
    assert reply(h) == (
        "The channel's next scheduled round starts on 2026-12-09: the deadline must come before it."
    )


def warnings(h: Harness) -> list[str]:
    return [m["text"] for m in h.dm_messages("ULEAD") if "closes today" in m["text"]]


async def test_the_lead_hears_on_the_last_day_once_per_deadline(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3> --deadline 2026-11-27")
    await h.answer_all("U2", 2, 3, 2, cards=5)
    h.clock.now = datetime.fromisoformat("2026-11-27T08:01:00+00:00")  # the morning's reminders
    await h.deps.rounds.tick()
    h.clock.now = datetime.fromisoformat("2026-11-27T11:59:00+00:00")  # 12:59 in Madrid
    await h.deps.rounds.tick()
    assert warnings(h) == []
    h.clock.now = datetime.fromisoformat("2026-11-27T12:01:00+00:00")
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    assert warnings(h) == [
        "The *CX maturity: five pillars* round in <#C0001> closes today, Fri, Nov 27, 18:00 CET:"
        " 1 of 3 have finished. Send a reminder now, or give it more time.\nNot finished yet:"
        " <@U1>, <@U3>."
    ]
    warning = next(m for m in h.dm_messages("ULEAD") if "closes today" in m["text"])
    await h.press("ULEAD", "cx_home_remind", warning)
    assert h.last_dm("ULEAD")["text"].startswith("Reminded 2 people")

    await h.command("deadline 2026-12-04")
    h.clock.now = datetime.fromisoformat("2026-12-04T12:01:00+00:00")
    await h.deps.rounds.tick()
    assert len(warnings(h)) == 2  # once more, for the new deadline


async def test_the_last_day_dm_leaves_out_who_could_not_be_invited(harness: Harness) -> None:
    h = harness
    h.slack.fail_next("chat.postMessage", "cannot_dm_bot", where=lambda p: p["channel"] == "U3")
    await until_friday(h)
    h.clock.now = datetime.fromisoformat("2026-11-27T12:01:00+00:00")
    await h.deps.rounds.tick()
    (warning,) = warnings(h)
    assert warning.endswith("\nNot finished yet: <@U1>, <@U2>.")  # status names U3 apart
    assert ": 0 of 3 have finished." in warning  # U3 left out of the names, not counted done


async def test_no_warning_when_all_finished_or_the_round_began_that_day(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2> --deadline 2026-11-25")  # today, 18:00 in Madrid
    h.clock.now = datetime.fromisoformat("2026-11-25T12:01:00+00:00")
    await h.deps.rounds.tick()
    assert warnings(h) == []  # started today: the lead knows how it stands
    await h.command("cancel")
    await h.command("start cx-pillars <@U2> --deadline 2026-11-27")
    await h.answer_all("U2", 2, 3, 2, cards=5)
    h.clock.now = datetime.fromisoformat("2026-11-27T12:01:00+00:00")
    await h.deps.rounds.tick()
    assert warnings(h) == []  # everyone has finished (the lead was told so already)


async def until_friday(h: Harness) -> Round:
    """A round of three, open until Friday 2026-11-27, 18:00 in Madrid (the lead's zone)."""
    await h.command("start cx-pillars <@U1> <@U2> <@U3> --deadline 2026-11-27")
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    return round_


async def test_the_last_day_dm_names_ten_who_have_not_finished_and_counts_the_rest(
    harness: Harness,
) -> None:
    h = harness
    round_ = await until_friday(h)
    waiting = [f"UW{i:02d}" for i in range(12)]
    message = closing_soon(round_, waiting, 28, 40, "es", "Europe/Madrid")
    named = ", ".join(f"<@UW{i:02d}>" for i in range(10))
    assert ": 28 de 40 han terminado." in message.text
    assert message.text.endswith(f"\nAún sin terminar: {named} y 2 más.")


def picked(day: str | None) -> dict[str, Any]:
    """The date form's values with ``day`` picked (None: cleared)."""
    return {"due": {"value": {"type": "datepicker", "selected_date": day}}}


async def test_more_time_in_the_last_day_dm_moves_the_deadline_in_two_taps(
    harness: Harness,
) -> None:
    h = harness
    round_ = await until_friday(h)
    h.clock.now = datetime.fromisoformat("2026-11-27T12:01:00+00:00")
    await h.deps.rounds.tick()
    (warning,) = [m for m in h.dm_messages("ULEAD") if "closes today" in m["text"]]
    assert warning["text"].startswith(
        "The *CX maturity: five pillars* round in <#C0001> closes today, Fri, Nov 27, 18:00 CET:"
        " 0 of 3 have finished. Send a reminder now, or give it more time.\n"
    )
    # Only the lead (or an admin) gets the form
    action_id, value, ts = h.button("ULEAD", "cx_more_time", warning)
    await h.click("U2", action_id, value, channel="DU2", ts=ts)
    assert h.last_dm("U2")["text"].startswith("Only the round's lead")
    assert h.slack.calls_to("views.open") == []
    await h.click("ULEAD", action_id, value, channel="DULEAD", ts=ts)
    view = h.slack.calls_to("views.open", ok_only=True)[-1].params["view"]
    assert_valid_blocks(view["blocks"], limit=100)
    date_input = view["blocks"][1]["element"]
    assert date_input["initial_date"] == "2026-12-04"  # a week after the deadline: one tap

    # A date the round cannot take is said in the form, which stays open; nothing moves
    for day, said in (
        ("2026-11-26", "The deadline 2026-11-26 has already passed."),
        ("2026-11-27", "The round already closes on 2026-11-27, so nothing was changed."),
        (None, "Pick a date."),
    ):
        resp = await h.post(view_submission("ULEAD", TEAM, view, picked(day)))
        assert await resp.json() == {"response_action": "errors", "errors": {"due": said}}
    await settle()
    still = await h.deps.store.get_round(round_.id)
    assert still is not None and still.deadline == round_.deadline

    assert await h.send(view_submission("ULEAD", TEAM, view, picked("2026-12-04"))) == 200
    assert h.last_dm("ULEAD")["text"].startswith("Done: the round now closes Fri, Dec 4, 18:00")
    moved = await h.deps.store.get_round(round_.id)
    assert moved is not None and moved.deadline is not None
    assert moved.deadline.isoformat() == "2026-12-04T17:00:00+00:00"
    told = h.slack.messages(CHANNEL)[-1]
    assert told["thread_ts"] == round_.announce_ts and "moved the deadline" in told["text"]

    # The same form sent twice at once moves it once: one thread message, one "Done"
    again = view_submission("ULEAD", TEAM, view, picked("2026-12-11"))
    await asyncio.gather(h.post(again), h.post(again))
    await settle()
    moves = [m for m in h.slack.messages(CHANNEL) if "moved the deadline" in m["text"]]
    assert len(moves) == 2
    # After the close, the button says where the results went
    assert await h.command("close anyway") == 200
    await h.click("ULEAD", action_id, value, channel="DULEAD", ts=ts)
    assert h.last_dm("ULEAD")["text"] == "This assessment has closed; the results are in <#C0001>."


async def test_no_more_time_when_the_next_scheduled_round_starts_the_day_after(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3> --every 1 week")  # closes in 6 days
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None and round_.deadline is not None
    h.clock.now = round_.deadline - timedelta(hours=4)
    await h.deps.rounds.tick()
    (warning,) = [m for m in h.dm_messages("ULEAD") if "closes today" in m["text"]]
    assert (
        "Send a reminder now: the channel's next scheduled round starts tomorrow"
        in (warning["text"])
    )
    labels = [e["text"]["text"] for b in warning["blocks"] if b["type"] == "actions"
              for e in b["elements"]]  # fmt: skip
    assert labels == ["Remind"]


async def test_an_admin_far_away_gets_the_form_in_the_leads_zone(harness: Harness) -> None:
    h = harness
    h.slack.add_user("UADMIN", name="adam", tz="Pacific/Auckland", tz_offset=46800, is_admin=True)
    round_ = await until_friday(h)
    h.clock.now = datetime.fromisoformat("2026-11-27T12:01:00+00:00")  # Sat 01:01 in Auckland
    await h.deps.rounds.tick()
    (warning,) = [m for m in h.dm_messages("ULEAD") if "closes today" in m["text"]]
    action_id, value, ts = h.button("ULEAD", "cx_more_time", warning)
    await h.click("UADMIN", action_id, value, channel="DUADMIN", ts=ts)
    view = h.slack.calls_to("views.open", ok_only=True)[-1].params["view"]
    assert (
        "it will close at 18:00 in <@ULEAD>'s time zone (the lead's)"
        in (view["blocks"][0]["text"]["text"])
    )
    assert view["blocks"][1]["element"]["initial_date"] == "2026-12-04"  # Friday + 7, Madrid
    assert await h.send(view_submission("UADMIN", TEAM, view, picked("2026-12-04"))) == 200
    moved = await h.deps.store.get_round(round_.id)
    assert moved is not None and moved.deadline is not None
    assert moved.deadline.isoformat() == "2026-12-04T17:00:00+00:00"  # 18:00 in Madrid
