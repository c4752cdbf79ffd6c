"""The start modal, App Home, several rounds at once, and the clock (deadlines, reminders)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.flows.interview import Phase
from bot.model import RoundStatus
from tests.blockkit import assert_valid_blocks
from tests.handlers.conftest import CHANNEL, TEAM, Harness
from tests.slack_requests import view_submission


async def submit_modal(
    h: Harness, view: dict[str, Any], values: dict[str, Any], user: str = "ULEAD"
) -> int:
    return await h.send(view_submission(user, TEAM, view, values))


def modal_values(
    framework: str, users: list[str], deadline: str | None, lang: str, minimum: str | None = None
) -> dict[str, Any]:
    return {
        "framework": {"value": {"type": "static_select", "selected_option": {"value": framework}}},
        "participants": {"value": {"type": "multi_users_select", "selected_users": users}},
        "deadline": {"value": {"type": "datepicker", "selected_date": deadline}},
        "lang": {"value": {"type": "static_select", "selected_option": {"value": lang}}},
        "min_responses": {"value": {"type": "number_input", "value": minimum}},
    }


async def test_bare_command_opens_the_modal_and_submitting_starts_the_round(
    harness: Harness,
) -> None:
    h = harness
    assert await h.command("") == 200
    opened = h.slack.calls_to("views.open", ok_only=True)
    assert len(opened) == 1 and opened[0].params["trigger_id"]
    view = opened[0].params["view"]
    assert view["callback_id"] == "cx_start_modal" and view["private_metadata"] == CHANNEL
    assert_valid_blocks(view["blocks"], limit=100)
    assert "initial_option" not in view["blocks"][0]["element"]  # the lead picks one
    deadline = next(b for b in view["blocks"] if b["block_id"] == "deadline")
    assert deadline["hint"]["text"] == (  # what an empty deadline means, before it is chosen
        "The round closes at 18:00 that day (your time) and posts the results by itself."
        " Empty: it stays open until you close it (a repeating round closes before its next run)."
    )
    # Too few besides the lead for any area to be shown at a minimum of 4: said in the form
    values = modal_values("cx-pillars", ["U1", "U2", "U3", "ULEAD"], "2026-12-10", "de", "4")
    resp = await h.post(view_submission("ULEAD", TEAM, view, values))
    assert await resp.json() == {
        "response_action": "errors",
        "errors": {
            "participants": "Wählen Sie mindestens 4 Personen außer Ihnen: Ein Bereich wird nur"
            " mit 4 Antworten von anderen gezeigt, damit sie anonym bleiben. Oder lassen Sie das"
            " Feld leer, um alle im Kanal einzuladen."
        },
    }
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None and h.dm_messages("U1") == []
    values = modal_values("cx-pillars", ["U1", "U2", "U3"], "2026-12-10", "de", "3")
    assert await submit_modal(h, view, values) == 200
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None and round_.lang == "de" and round_.framework.id == "cx-pillars"
    assert round_.min_responses == 3
    assert round_.deadline is not None and round_.deadline.date().isoformat() == "2026-12-10"
    assert {p.user_id for p in await h.deps.store.participants(round_.id)} == {"U1", "U2", "U3"}
    assert "Bewertung" in h.slack.messages(CHANNEL)[-1]["text"]  # announced in the round's language
    assert h.slack.ephemerals[-1]["text"] == (  # enough people: no heads-up
        "Invited 3 people by DM.\nIt closes Thu, Dec 10, 18:00 CET and posts the summary in <#C0001>;"
        " I'll DM you when everyone has answered. `/cx-assess status` shows who has."
    )
    await h.command("")  # the next time in this channel, its framework comes preselected
    view = h.slack.calls_to("views.open", ok_only=True)[-1].params["view"]
    assert view["blocks"][0]["element"]["initial_option"]["value"] == "cx-pillars"


async def test_modal_refuses_a_past_deadline_in_the_form(harness: Harness) -> None:
    h = harness
    await h.command("")
    view = h.slack.calls_to("views.open", ok_only=True)[0].params["view"]
    values = modal_values("cx-pillars", [], "2020-01-01", "en")
    resp = await h.post(view_submission("ULEAD", TEAM, view, values))
    answer = await resp.json()
    assert answer["response_action"] == "errors" and "deadline" in answer["errors"]
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None


async def test_app_home_lists_pending_led_and_recent_rounds(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2> <@ULEAD>")
    await h.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    home = h.slack.home_views["U2"]
    assert_valid_blocks(home["blocks"], limit=100)
    text = json.dumps(home)
    assert "0 of 5 areas answered" in text and "cx_start" in text
    button = next(b["accessory"] for b in home["blocks"] if b.get("accessory"))
    assert button["text"]["text"] == "Start"  # nothing answered yet: not "Continue"
    await h.event({"type": "app_home_opened", "user": "ULEAD", "tab": "home"})
    lead_home = json.dumps(h.slack.home_views["ULEAD"])
    assert "0 of 2 finished" in lead_home and "cx_home_close" in lead_home


async def test_app_home_shows_until_when_a_person_snoozed(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_snooze_tomorrow", h.dm_messages("U2")[0])
    await h.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    text = json.dumps(h.slack.home_views["U2"], ensure_ascii=False)
    assert "0 of 5 areas answered · snoozed until Thu, Nov 26, 9:00 GMT" in text  # Ben's zone


async def test_app_home_close_button_is_refused_to_a_non_lead(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    await h.click("U2", "cx_home_close", str(round_.id), channel="DU2", ts="1.0")
    assert (await h.deps.store.get_round(round_.id)).status is RoundStatus.OPEN  # type: ignore[union-attr]
    assert "Only the round's lead" in h.last_dm("U2")["text"]
    await h.click("ULEAD", "cx_home_close", str(round_.id), channel="DULEAD", ts="1.0")
    warning = h.last_dm("ULEAD")  # nobody answered yet: nothing but counts could be shown
    assert "Not yet closed" in warning["text"] and "No overall stage" in warning["text"]
    assert (await h.deps.store.get_round(round_.id)).status is RoundStatus.OPEN  # type: ignore[union-attr]
    await h.click("ULEAD", "cx_close_anyway", str(round_.id), channel="DULEAD", ts="1.0")
    assert (await h.deps.store.get_round(round_.id)).status is RoundStatus.CLOSED  # type: ignore[union-attr]


async def test_a_home_close_that_worked_is_not_reported_as_failed_when_home_fails(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    h.slack.fail_next("views.publish", "internal_error", status=500, times=3)
    await h.click("ULEAD", "cx_close_anyway", str(round_.id), channel="DULEAD", ts="1.0")
    assert (await h.deps.store.get_round(round_.id)).status is RoundStatus.CLOSED  # type: ignore[union-attr]
    texts = [m.get("text") or "" for m in h.dm_messages("ULEAD")]
    assert "The round is closed" in texts[-1]
    assert not any("went wrong" in text for text in texts)


async def test_typed_reply_goes_to_the_most_recent_question_and_says_which_round(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>", channel=CHANNEL)
    await h.command("start cx-strategy <@U2>", channel="C0002")
    await h.press("U2", "cx_start", h.dm_messages("U2")[0])  # pillars first
    await h.press("U2", "cx_start", h.dm_messages("U2")[1])  # then strategy: asked most recently
    await h.dm("U2", "2")
    pillars = await h.deps.store.open_round(TEAM, CHANNEL)
    strategy = await h.deps.store.open_round(TEAM, "C0002")
    assert pillars and strategy
    p_state = (await h.deps.store.participant(pillars.id, "U2")).state  # type: ignore[union-attr]
    s_state = (await h.deps.store.participant(strategy.id, "U2")).state  # type: ignore[union-attr]
    assert s_state.answer("customer-segmentation").current == 2 and p_state.answers == {}
    notes = [m["text"] for m in h.dm_messages("U2")]
    assert "(for the assessment in <#C0002>)" in notes


async def test_change_after_review_in_slack(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    for _ in range(5):
        await h.answer_card("U2", 1, 2, 2)
    await h.press("U2", "cx_change_design")
    await h.answer_card("U2", 3, 3, 3)  # a card shown complete stays until Next
    assert h.last_dm("U2")["metadata"]["event_payload"]["area_id"] == "design"
    await h.press("U2", "cx_skip")
    assert h.last_dm("U2")["text"] == "Please review your answers"
    posted = len(h.dm_messages("U2"))
    await h.press("U2", "cx_finish")
    assert len(h.dm_messages("U2")) == posted  # the review became the thank-you
    assert h.last_dm("U2")["text"].startswith("Thank you!")
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    person = await h.deps.store.participant(round_.id, "U2")  # type: ignore[union-attr]
    assert person is not None and person.state.phase is Phase.FINISHED
    assert person.state.answer("design").current == 3 and person.state.answer("data").current == 1


async def test_the_clock_reminds_the_unfinished_then_closes_at_the_deadline(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2> <@U3> --deadline 2026-11-27")  # 18:00 Madrid
    await h.answer_all("U3", 2, 3, 2, cards=5)
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None and round_.deadline is not None
    h.clock.now = round_.deadline - timedelta(hours=20)  # Friday 22:00 -> too late in London
    await h.deps.rounds.tick()
    assert not any("friendly reminder" in m["text"] for m in h.dm_messages("U2"))
    h.clock.now = round_.deadline - timedelta(hours=6)  # Friday 11:00 in London
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()  # a second tick right after sends nothing more
    reminders = [m for m in h.dm_messages("U2") if "friendly reminder" in m["text"]]
    assert len(reminders) == 1
    assert not any("friendly reminder" in m["text"] for m in h.dm_messages("U3"))  # finished
    h.clock.now = round_.deadline + timedelta(minutes=1)
    await h.deps.rounds.tick()
    closed = await h.deps.store.get_round(round_.id)
    assert closed is not None and closed.status is RoundStatus.CLOSED
    assert any(
        m.get("metadata", {}).get("event_type") == "cx_assess_summary"
        for m in h.slack.messages(CHANNEL)
    )


async def test_app_home_shows_a_past_rounds_stage_like_the_summary_headline(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3>")
    for user in ("U1", "U2", "U3"):
        await h.answer_all(user, 2, 3, 2, cards=5)
    await h.command("close")
    await h.event({"type": "app_home_opened", "user": "U1", "tab": "home"})
    home = json.dumps(h.slack.home_views["U1"], ensure_ascii=False)
    assert "· 2 · Margen de mejora" in home  # in the reader's language, not the round's
