"""Nudges: snoozing, reminders without a deadline, the lead told when all finished, close
warnings for withheld areas."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.model import RoundStatus
from tests.handlers.conftest import CHANNEL, TEAM, Harness
from tests.handlers.test_rounds import answer_all, reply, run_round


def texts(h: Harness, user: str) -> list[str]:
    return [m["text"] for m in h.dm_messages(user)]


async def test_snooze_on_the_invitation_reminds_once_after_an_hour(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_snooze_hour", h.dm_messages("U2")[0])
    assert texts(h, "U2")[-1] == "OK, I'll remind you at 11:00 GMT."  # Ben is in London
    await h.deps.rounds.tick()
    before = len(h.dm_messages("U2"))
    h.clock.now += timedelta(minutes=61)
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    woken = h.dm_messages("U2")[before:]
    assert [m["text"] for m in woken] == [
        "Here is the reminder you asked for: the *CX maturity: five pillars* assessment is"
        " waiting for you. 5 areas, about 3 minutes."
    ]
    assert labels(woken[0]) == ["Start", "In 1 hour", "Tomorrow, 9:00"]  # not started yet
    await h.press("U2", "cx_start", woken[0])  # the first question
    assert "Customer data" in h.last_dm("U2")["text"]


async def test_who_finished_is_not_reminded_by_a_snooze(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2> <@U3>")
    await h.press("U2", "cx_start")
    await h.answer_card("U2", 2, 3, 2)
    await h.command("remind")
    reminder = next(m for m in h.dm_messages("U2") if m["text"].startswith("A friendly"))
    await h.press("U2", "cx_snooze_hour", reminder)
    for _ in range(4):
        await h.answer_card("U2", 2, 3, 2)
    await h.press("U2", "cx_finish")  # finished within the hour after all
    before = len(h.dm_messages("U2"))
    h.clock.now += timedelta(minutes=61)
    await h.deps.rounds.tick()
    assert h.dm_messages("U2")[before:] == []  # nothing is waiting for Ben any more
    await h.press("U2", "cx_snooze_hour", reminder)
    assert texts(h, "U2")[-1] == (
        "You have already finished, so there is nothing to remind you of. You can still change"
        " your answers until the round closes."
    )


async def test_snooze_until_tomorrow_morning_in_the_persons_zone(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1>")
    await h.press("U1", "cx_snooze_tomorrow", h.dm_messages("U1")[0])
    assert texts(h, "U1")[-1] == "De acuerdo, se lo recordaré mañana a las 9:00 CET."
    person = await h.deps.store.participant(1, "U1")
    assert person is not None and person.snooze_until is not None
    assert person.snooze_until.isoformat() == "2026-11-26T08:00:00+00:00"  # 9:00 in Madrid


def labels(message: dict[str, Any]) -> list[str]:
    """The message's button labels, in order."""
    return [
        str(element["text"]["text"])
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def go_on_label(h: Harness, user: str) -> str:
    """The label of the Start/Continue button on the person's latest message."""
    action_id, _, _ = h.button(user, "cx_start")
    message = h.last_dm(user)
    for block in message["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["action_id"] == action_id:
                return str(element["text"]["text"])
    raise AssertionError(f"no Start button in {message['text']!r}")


async def not_now(h: Harness) -> None:
    """Ben taps *Not now* on the invitation; Carla starts, answers one row, types it."""
    await h.command("start cx-pillars <@U2> <@U3>")
    await h.press("U2", "cx_decline", h.dm_messages("U2")[0])
    await h.press("U3", "cx_start")
    await h.tap("U3", 2)
    await h.dm("U3", "nicht jetzt")  # typed, halfway through the first card


async def test_not_now_offers_start_to_who_never_started_and_continue_to_who_did(
    harness: Harness,
) -> None:
    h = harness
    await not_now(h)
    for prefix in ("cx_start", "cx_snooze_hour", "cx_snooze_tomorrow"):
        h.button("U2", prefix)  # each is on the answer to "Not now"
    assert go_on_label(h, "U2") == "Start"
    assert texts(h, "U2")[-1].startswith("No problem. Start whenever you like")
    assert go_on_label(h, "U3") == "Weiter"
    assert texts(h, "U3")[-1].startswith("Kein Problem. Ihre Antworten sind gespeichert")


async def test_who_said_not_now_still_gets_the_automatic_reminders(harness: Harness) -> None:
    h = harness
    await not_now(h)
    h.clock.now += timedelta(days=2, minutes=1)  # Friday 10:01 UTC
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    for user, opening, label in (
        ("U2", "A friendly reminder", ["Start", "In 1 hour", "Tomorrow, 9:00"]),
        ("U3", "Eine freundliche Erinnerung", ["Weiter", "In 1 Stunde", "Morgen, 9:00"]),
    ):
        reminders = [m for m in h.dm_messages(user) if m["text"].startswith(opening)]
        assert len(reminders) == 1
        assert labels(reminders[0]) == label  # go on now, or be reminded later
    h.clock.now += timedelta(days=3)  # Monday 10:01 UTC: the second and last
    await h.deps.rounds.tick()
    h.clock.now += timedelta(days=3)
    await h.deps.rounds.tick()
    assert len([m for m in h.dm_messages("U2") if m["text"].startswith("A friendly")]) == 2


async def test_not_now_does_not_count_as_finished_for_the_lead(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3>")
    await answer_all(h, "U1", 2)
    await answer_all(h, "U2", 3)
    await h.press("U3", "cx_decline", h.dm_messages("U3")[0])
    await h.deps.rounds.tick()
    assert not [m for m in h.dm_messages("ULEAD") if "Everyone has answered" in m["text"]]
    await h.command("close")
    assert "Wait for more answers" in reply(h)  # U3 may still answer


async def test_a_round_without_deadline_reminds_after_two_days_in_working_hours(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2> <@U3>")
    await h.deps.rounds.tick()
    assert len(h.dm_messages("U2")) == 1  # the invitation only
    h.clock.now += timedelta(days=2, minutes=1)  # Friday 10:01 UTC
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    assert [m["text"].startswith("A friendly reminder") for m in h.dm_messages("U2")] == [
        False,
        True,
    ]
    h.clock.now += timedelta(days=1)  # Saturday: never
    await h.deps.rounds.tick()
    assert len(h.dm_messages("U2")) == 2


async def test_the_lead_hears_once_when_everyone_has_finished_and_can_close_now(
    harness: Harness,
) -> None:
    h = harness
    await run_round(h, {"U1": 1, "U2": 3, "U3": 2})
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    told = [m for m in h.dm_messages("ULEAD") if "Everyone has answered" in m["text"]]
    assert len(told) == 1 and "(3 of 3 finished)" in told[0]["text"]
    assert "until the deadline" not in told[0]["text"]  # it has none
    assert "It has no deadline and stays open until you close it" in told[0]["text"]
    assert "Counts only" not in told[0]["text"]
    await h.press("ULEAD", "cx_close_now", told[0])
    round_ = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert round_.status is RoundStatus.CLOSED and round_.summary_ts is not None


async def test_close_now_closes_at_once_when_the_areas_the_lead_was_told_of_are_withheld(
    harness: Harness,
) -> None:
    h = harness
    await run_round(h, {"U1": 1, "U2": 3})  # two answers per area: below the minimum of 3
    await h.deps.rounds.tick()
    told = next(m for m in h.dm_messages("ULEAD") if "Everyone has answered" in m["text"])
    assert (
        "Not shown, too few answers (“Not sure” does not count): Customer data, Experience"
        in told["text"]
    )
    await h.press("ULEAD", "cx_close_now", told)  # the DM said which: no second question
    assert not [m for m in h.dm_messages("ULEAD") if m["text"].startswith("*Not yet closed.*")]
    round_ = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert round_.status is RoundStatus.CLOSED and round_.summary_ts is not None


async def test_close_now_warns_first_when_more_areas_are_withheld_than_the_lead_was_told(
    harness: Harness,
) -> None:
    # A DM that listed only data (the areas changed since, or an older DM): the warning names
    # them all, says waiting will not help, and offers only Close anyway.
    h = harness
    await run_round(h, {"U1": 1, "U2": 3})
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    await h.deps.rounds.tick()
    told = next(m for m in h.dm_messages("ULEAD") if "Everyone has answered" in m["text"])
    await h.click("ULEAD", "cx_close_now", f"{round_.id}|data", channel="DULEAD", ts=told["ts"])
    warning = h.last_dm("ULEAD")
    assert warning["text"].startswith("*Not yet closed.*")
    assert "Experience design" in warning["text"]
    assert "Everyone has finished, so waiting will not change this" in warning["text"]
    assert "Wait for more answers" not in warning["text"]
    assert [e["action_id"] for e in warning["blocks"][-1]["elements"]] == ["cx_close_anyway"]
    assert (await h.deps.store.open_round(TEAM, CHANNEL)) is not None  # still open
    await h.press("ULEAD", "cx_close_anyway", warning)
    closed = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert closed.status is RoundStatus.CLOSED


async def test_the_lead_is_not_told_while_someone_has_not_finished(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2>")
    await answer_all(h, "U1", 2)
    await h.deps.rounds.tick()
    assert not [m for m in h.dm_messages("ULEAD") if "Everyone has answered" in m["text"]]


async def test_closing_with_areas_to_withhold_warns_the_lead_first(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3>")
    await answer_all(h, "U1", 2)
    await answer_all(h, "U2", 3)  # two answers per area: below the minimum of 3
    await h.command("close")
    warning = reply(h)
    assert warning.startswith("*Not yet closed.*")
    assert "Not shown, too few answers: Customer data" in warning
    assert "No overall stage" in warning
    assert "Wait for more answers" in warning  # U3 has not finished yet
    assert (await h.deps.store.open_round(TEAM, CHANNEL)) is not None  # still open
    await answer_all(h, "U3", 3)
    await h.command("close")
    assert reply(h) == "The round is closed and the summary is in the channel."


async def test_the_deadline_closes_even_when_areas_will_be_withheld(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> --deadline 2026-11-25")
    h.clock.now += timedelta(hours=8)  # past 18:00 in Madrid
    await h.deps.rounds.tick()
    round_ = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert round_.status is RoundStatus.CLOSED


@pytest.mark.parametrize(
    ("button", "left_out", "status"),
    [
        (
            "cx_snooze_tomorrow",
            "asked to be reminded Thu, Nov 26, 9:00 GMT.",  # Ben's own zone
            "<@U2> (snoozed until Thu, Nov 26, 9:00 GMT)",
        ),
        (
            "cx_decline",
            "chose “Not now” (they still get the automatic reminders).",
            "Not now (1): <@U2>",
        ),
    ],
)
async def test_the_leads_remind_leaves_out_and_names_who_snoozed_or_said_not_now(
    harness: Harness, button: str, left_out: str, status: str
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2>")
    await h.press("U2", button, h.dm_messages("U2")[0])
    await h.command("remind")
    assert [m["text"].startswith("A friendly reminder") for m in h.dm_messages("U2")] == [
        False,
        False,
    ]  # the invitation and the answer to the button only
    assert h.dm_messages("U1")[-1]["text"].startswith("Un recordatorio")
    assert reply(h) == f"Reminded 1 person who has not finished.\nNot reminded: <@U2> {left_out}"
    assert not [m for m in h.slack.messages(CHANNEL) if "<@U2>" in m["text"]]  # the lead only
    await h.command("status")
    assert status in reply(h)


async def test_on_the_last_day_the_leads_remind_reaches_who_said_not_now_too(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> --deadline 2026-11-27")  # Friday 18:00 Madrid
    await h.press("U2", "cx_decline", h.dm_messages("U2")[0])
    await h.command("remind")  # Wednesday: "Not now" is respected
    assert reply(h).endswith(
        "Not reminded: <@U2> chose “Not now” (they still get the automatic reminders)."
    )
    h.clock.now = datetime.fromisoformat("2026-11-27T09:00:00+00:00")  # the last day
    await h.command("remind")
    assert reply(h) == "Reminded 2 people who have not finished."
    assert h.dm_messages("U2")[-1]["text"].startswith("A friendly reminder")


async def test_remind_says_nobody_was_reminded_when_the_only_one_left_snoozed(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_snooze_hour", h.dm_messages("U2")[0])
    h.slack.add_user("ULEAD", name="lea", locale="de-DE", tz="Europe/Madrid")
    await h.command("remind")
    assert reply(h) == (
        "Niemand wurde erinnert.\n"
        "Nicht erinnert: <@U2> möchte erst am Mi, 25. Nov., 11:00 Uhr GMT erinnert werden."
    )


async def test_a_snooze_reminder_slack_was_too_busy_for_comes_a_minute_later(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_snooze_hour", h.dm_messages("U2")[0])
    h.clock.now += timedelta(minutes=61)
    h.slack.fail_next(
        "chat.postMessage",
        "ratelimited",
        status=200,
        times=1,
        where=lambda p: p["channel"] == "DU2",
    )
    await h.deps.rounds.tick()  # refused: nothing posted, the snooze is kept
    h.clock.now += timedelta(minutes=1)
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    woken = [m for m in h.dm_messages("U2") if m["text"].startswith("Here is the reminder")]
    assert len(woken) == 1


async def test_a_reminder_says_when_the_round_closes_in_the_persons_own_time(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2> <@U3> --deadline 2026-11-30")
    await h.command("remind")
    (ben,) = [m["text"] for m in h.dm_messages("U2") if m["text"].startswith("A friendly")]
    # 18:00 in the lead's Madrid, and how long it takes (not started: all five cards)
    assert ben.endswith("It closes Mon, Nov 30, 17:00 GMT. 5 areas, about 3 minutes.")
    await h.press("U2", "cx_start")
    for _ in range(3):
        await h.answer_card("U2", 2, 3, 2)
    h.clock.now += timedelta(hours=2)  # the lead's remind leaves out who was just reminded
    await h.command("remind")
    again = [m["text"] for m in h.dm_messages("U2") if m["text"].startswith("A friendly")]
    assert again[-1].endswith("17:00 GMT. 2 of 5 areas to go, about a minute.")
    carla = next(m["text"] for m in h.dm_messages("U3") if m["text"].startswith("Eine"))
    assert carla.endswith("Sie endet am Mo, 30. Nov., 18:00 Uhr CET. 5 Bereiche, etwa 3 Minuten.")


async def test_a_snooze_on_the_last_day_reminds_before_the_round_closes(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3> --deadline 2026-11-25")  # 18:00 Madrid
    await h.press("U2", "cx_snooze_tomorrow", h.dm_messages("U2")[0])
    assert texts(h, "U2")[-1] == (
        "The assessment closes Wed, Nov 25, 17:00 GMT, so I'll remind you at 16:00 GMT instead."
    )
    person = await h.deps.store.participant(1, "U2")
    assert person is not None and person.snooze_until is not None
    assert person.snooze_until.isoformat() == "2026-11-25T16:00:00+00:00"
    h.clock.now = h.clock.now.replace(hour=16, minute=1)
    await h.deps.rounds.tick()
    assert texts(h, "U2")[-1].startswith("Here is the reminder you asked for")
    h.clock.now = h.clock.now.replace(hour=16, minute=20)  # 40 minutes before the close
    await h.press("U3", "cx_snooze_hour", h.dm_messages("U3")[0])
    assert texts(h, "U3")[-1] == (
        "Die Bewertung endet am Mi, 25. Nov., 18:00 Uhr CET, in weniger als einer Stunde: Für eine"
        " Erinnerung ist es zu spät. Ihre bisherigen Antworten bleiben gespeichert."
    )
    person = await h.deps.store.participant(1, "U3")
    assert person is not None and person.snooze_until is None
