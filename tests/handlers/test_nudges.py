"""Nudges: snoozing, reminders without a deadline, the lead told when all finished, close
warnings for withheld areas."""

from __future__ import annotations

from datetime import timedelta

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
        " waiting for you."
    ]
    assert woken[0]["blocks"][0]["accessory"]["text"]["text"] == "Start"  # not started yet
    await h.press("U2", "cx_start", woken[0])  # the first question
    assert "Data" in h.last_dm("U2")["text"]


async def test_snooze_until_tomorrow_morning_in_the_persons_zone(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1>")
    await h.press("U1", "cx_snooze_tomorrow", h.dm_messages("U1")[0])
    assert texts(h, "U1")[-1] == "De acuerdo, se lo recordaré mañana a las 9:00 CET."
    person = await h.deps.store.participant(1, "U1")
    assert person is not None and person.snooze_until is not None
    assert person.snooze_until.isoformat() == "2026-11-26T08:00:00+00:00"  # 9:00 in Madrid


async def test_not_now_offers_continue_and_snooze_buttons(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_decline", h.dm_messages("U2")[0])
    for prefix in ("cx_start", "cx_snooze_hour", "cx_snooze_tomorrow"):
        h.button("U2", prefix)  # each is on the answer to "Not now"


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
    assert "Counts only" not in told[0]["text"]
    await h.press("ULEAD", "cx_close_now", told[0])
    round_ = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert round_.status is RoundStatus.CLOSED and round_.summary_ts is not None


async def test_close_now_after_everyone_finished_warns_first_and_offers_only_close_anyway(
    harness: Harness,
) -> None:
    h = harness
    await run_round(h, {"U1": 1, "U2": 3})  # two answers per area: below the minimum of 3
    await h.deps.rounds.tick()
    told = next(m for m in h.dm_messages("ULEAD") if "Everyone has answered" in m["text"])
    assert "Not shown, too few answers: Data: knowing what customers want" in (told["text"])
    await h.press("ULEAD", "cx_close_now", told)
    warning = h.last_dm("ULEAD")
    assert warning["text"].startswith("*Not yet closed.*")
    assert "Everyone has finished, so waiting will not change this" in warning["text"]
    assert "Wait for more answers" not in warning["text"]
    assert [e["action_id"] for e in warning["blocks"][-1]["elements"]] == ["cx_close_anyway"]
    assert (await h.deps.store.open_round(TEAM, CHANNEL)) is not None  # still open
    await h.press("ULEAD", "cx_close_anyway", warning)
    round_ = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert round_.status is RoundStatus.CLOSED


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
    assert "Not shown, too few answers: Data: knowing what customers want" in warning
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


async def test_the_leads_remind_leaves_out_someone_who_snoozed(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2>")
    await h.press("U2", "cx_snooze_tomorrow", h.dm_messages("U2")[0])
    await h.command("remind")
    assert [m["text"].startswith("A friendly reminder") for m in h.dm_messages("U2")] == [
        False,
        False,
    ]  # the invitation and the snooze's answer only
    assert h.dm_messages("U1")[-1]["text"].startswith("Un recordatorio")
    assert reply(h) == (
        "Reminded 1 person who has not finished.\n"
        "Not reminded: <@U2> asked to be reminded Thu, Nov 26, 9:00 GMT."  # Ben's own zone
    )
    await h.command("status")
    assert "• <@U2>: invited · snoozed until Thu, Nov 26, 9:00 GMT" in reply(h)


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
