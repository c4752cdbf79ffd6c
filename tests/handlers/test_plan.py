"""The action plan end to end: made from the summary's roadmap through the form, reminded on its
due date, marked done from App Home, followed up in the next round's summary; digests and
permissions."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from typing import Any

from bot.model import Action, RoundStatus
from bot.plan import split_role, suggested
from tests.blockkit import assert_valid_blocks
from tests.handlers.conftest import CHANNEL, TEAM, Harness
from tests.handlers.test_rounds import reply, run_round, summary_message
from tests.slack_requests import view_submission


def form(what: str, owner: str, due: str | None) -> dict[str, Any]:
    return {
        "what": {"value": {"type": "plain_text_input", "value": what}},
        "owner": {"value": {"type": "users_select", "selected_user": owner}},
        "due": {"value": {"type": "datepicker", "selected_date": due}},
    }


async def closed_round(h: Harness) -> dict[str, Any]:
    """A closed cx-pillars round where everyone sees level 1 (target 3): its summary."""
    await run_round(h, {"U1": 1, "U2": 1, "U3": 1})
    await h.command("close")
    return summary_message(h)


async def open_form(h: Harness, user: str, summary: dict[str, Any]) -> dict[str, Any]:
    """``user`` presses the first *Make it an action* on ``summary``: the form that opens."""
    action_id, value, ts = h.button(user, "cx_plan_make", summary)
    await h.click(user, action_id, value, channel=CHANNEL, ts=ts)
    view: dict[str, Any] = h.slack.calls_to("views.open", ok_only=True)[-1].params["view"]
    return view


async def make_action(
    h: Harness, summary: dict[str, Any], *, owner: str, due: str, user: str = "U1"
) -> Action:
    view = await open_form(h, user, summary)
    what = view["blocks"][1]["element"]["initial_value"]
    assert await h.send(view_submission(user, TEAM, view, form(what, owner, due))) == 200
    actions = await h.deps.store.channel_actions(TEAM, CHANNEL)
    return actions[-1]


def dm_texts(h: Harness, user: str, part: str) -> list[str]:
    return [m["text"] for m in h.dm_messages(user) if part in m["text"]]


async def test_an_action_from_the_roadmap_is_reminded_done_and_followed_up(
    harness: Harness,
) -> None:
    h = harness
    summary = await closed_round(h)
    assert_valid_blocks(summary["blocks"])
    first = await h.deps.store.rounds_in_channel(TEAM, CHANNEL)
    gap = first[0].result["top_gaps"][0] if first[0].result else {}
    view = await open_form(h, "U1", summary)
    assert_valid_blocks(view["blocks"], limit=100)
    assert view["callback_id"] == "cx_plan_modal"
    role, what = gap["actions"][0].split(": ", 1)  # "QA lead: rebuild the scorecard …"
    assert view["blocks"][1]["element"]["initial_value"] == what[0].upper() + what[1:]
    assert view["blocks"][2]["hint"]["text"] == f"The framework suggests: {role}"  # the owner's
    assert view["blocks"][2]["element"]["initial_user"] == "U1"
    values = form("  Weekly  customer survey ", "U2", "2026-11-27")  # Friday
    assert await h.send(view_submission("U1", TEAM, view, values)) == 200
    (action,) = await h.deps.store.channel_actions(TEAM, CHANNEL)
    assert (action.area_id, action.what, action.owner, action.due.isoformat()) == (
        gap["area"],
        "Weekly customer survey",
        "U2",
        "2026-11-27",
    )
    assert action.lead == "ULEAD" and action.created_by == "U1" and action.done_at is None
    announced = h.slack.messages(CHANNEL)[-1]
    assert announced["thread_ts"] == summary["ts"]
    assert announced["text"] == (
        f"<@U1> made an action for *{gap['name']}*: Weekly customer survey"
        " (owner <@U2>, due 2026-11-27)."
    )
    again = await open_form(h, "U3", summary)  # someone else, from the same button
    assert again["blocks"][0]["text"]["text"].endswith(
        "\nAlready an action for this area: Weekly customer survey (<@U2>, due 2026-11-27)."
    )
    await h.command("actions", user="U2")
    assert reply(h) == (
        "*Actions in this channel*\n"
        f"• Weekly customer survey · *{gap['name']}* · <@U2> · due 2026-11-27"
    )

    # The due date: once, in working hours of Ben's zone (London)
    await h.deps.rounds.tick()
    assert dm_texts(h, "U2", "due today") == []
    h.clock.now = datetime.fromisoformat("2026-11-27T07:30:00+00:00")
    await h.deps.rounds.tick()
    assert dm_texts(h, "U2", "due today") == []  # 7:30 in London: too early
    h.clock.now = datetime.fromisoformat("2026-11-27T09:05:00+00:00")
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    assert dm_texts(h, "U2", "due today") == [
        f"Your action for *{gap['name']}* in <#{CHANNEL}> is due today: Weekly customer survey"
    ]

    # Only the owner, the lead or an admin marks it done
    await h.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    home = h.slack.home_views["U2"]
    assert_valid_blocks(home["blocks"], limit=100)
    assert "Weekly customer survey" in json.dumps(home)
    action_id, value, _ = h.button("U2", "cx_plan_done", {"blocks": home["blocks"], "ts": "0"})
    await h.click("U3", action_id, value, channel="DU3", ts="0")
    assert h.last_dm("U3")["text"] == (
        "Nur die verantwortliche Person (<@U2>), die Leitung der Runde (<@ULEAD>) oder ein"
        " Workspace-Admin kann sie als erledigt markieren."
    )
    assert (await h.deps.store.owner_actions(TEAM, "U2")) != []
    await h.click("U2", action_id, value, channel="DU2", ts="0")
    assert h.last_dm("U2")["text"] == "Done: Weekly customer survey"
    told = h.slack.messages(CHANNEL)[-1]  # the team sees the plan move forward
    assert told["thread_ts"] == summary["ts"]
    assert (
        told["text"] == f"<@U2> finished their action for *{gap['name']}*: Weekly customer survey"
    )
    assert await h.deps.store.owner_actions(TEAM, "U2") == []
    assert "Weekly customer survey" not in json.dumps(h.slack.home_views["U2"])
    await h.click("ULEAD", action_id, value, channel="DULEAD", ts="0")
    assert h.last_dm("ULEAD")["text"] == "Already done: Weekly customer survey"

    # The next round's summary and report follow it up
    h.clock.now += timedelta(days=5)
    summary = await closed_round(h)
    line = next(
        b["text"]["text"]
        for b in summary["blocks"]
        if b["type"] == "section" and f"*{gap['name']}*  " in b["text"]["text"]
    )
    own = next(x for x in line.split("\n") if f"*{gap['name']}*  " in x)
    assert own == (  # next to the area's trend
        f"• *{gap['name']}*  1 → 3 · → 0 · actions done: 1, open: 0"
    )
    latest = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0]
    assert latest.status is RoundStatus.CLOSED and latest.result is not None
    assert latest.result["schema"] == 4
    assert latest.result["actions"] == [
        {
            "area": gap["area"],
            "what": "Weekly customer survey",
            "owner": "U2",
            "owner_name": "Ben",
            "due": "2026-11-27",
            "status": "done",
        }
    ]
    report = next(
        data.decode() for data in h.slack.uploads.values() if b"Actions since the" in data
    )
    assert f"- [x] {gap['name']}: Weekly customer survey (Ben, due 2026-11-27)" in report
    await h.command("export")
    exported = next(
        data.decode() for data in h.slack.uploads.values() if data.startswith(b"area,what")
    )
    assert exported.splitlines()[1].startswith(
        f"{gap['area']},Weekly customer survey,Ben,U2,2026-11-27,done,2026-11-25T10:00:00+00:00,"
    )
    await h.command("actions")
    assert reply(h).endswith(
        f"*Done*\n• Weekly customer survey · *{gap['name']}* · <@U2> · done 2026-11-27"
    )


async def test_the_lead_gets_a_weekly_digest_and_a_failed_reminder_is_sent_later(
    harness: Harness,
) -> None:
    h = harness
    summary = await closed_round(h)
    await make_action(h, summary, owner="U3", due="2026-11-26")
    await h.deps.rounds.tick()
    assert dm_texts(h, "ULEAD", "Overdue") == []  # not overdue yet
    h.clock.now = datetime.fromisoformat("2026-11-27T10:00:00+00:00")  # Friday, 11:00 in Madrid
    # The owner's reminder is refused first (Slack certainly did not post it).
    h.slack.fail_next("chat.postMessage", "ratelimited", status=200)
    await h.deps.rounds.tick()
    assert dm_texts(h, "U3", "war am 2026-11-26 fällig") == []
    await h.deps.rounds.tick()
    await h.deps.rounds.tick()
    assert len(dm_texts(h, "U3", "war am 2026-11-26 fällig")) == 1  # tried again, sent once
    (digest,) = dm_texts(h, "ULEAD", "Overdue")
    assert digest.startswith("*Overdue actions in your channels* (1):\n• ")
    assert "<@U3> · due 2026-11-26 (overdue) · <#C0001>" in digest
    h.clock.now += timedelta(days=6, hours=23)
    await h.deps.rounds.tick()
    assert len(dm_texts(h, "ULEAD", "Overdue")) == 1  # once in seven days
    h.clock.now += timedelta(hours=1)  # Friday a week later
    await h.deps.rounds.tick()
    assert len(dm_texts(h, "ULEAD", "Overdue")) == 2


async def test_the_form_checks_what_owner_and_due_date_and_keeps_text_inert(
    harness: Harness,
) -> None:
    h = harness
    summary = await closed_round(h)
    view = await open_form(h, "U1", summary)
    cases = {
        "what": form("   ", "U2", "2026-12-01"),
        "owner": form("Survey", "UROBOT", "2026-12-01"),
        "due": form("Survey", "U2", "2026-11-24"),
    }
    for field, values in cases.items():
        resp = await h.post(view_submission("U1", TEAM, view, values))
        answer = await resp.json()
        assert answer["response_action"] == "errors" and list(answer["errors"]) == [field]
    assert await h.deps.store.channel_actions(TEAM, CHANNEL) == []
    await h.send(view_submission("U1", TEAM, view, form("Survey <!channel>", "U2", "2026-12-01")))
    assert h.slack.messages(CHANNEL)[-1]["text"].startswith(  # inert: nobody pinged
        "<@U1> made an action for *Customer data*: Survey &lt;!channel&gt; ("
    )


async def test_only_channel_members_add_actions(harness: Harness) -> None:
    h = harness
    h.slack.add_user("UOUT", name="olga", locale="en-US")
    summary = await closed_round(h)
    view = await open_form(h, "U1", summary)
    await h.send(view_submission("UOUT", TEAM, view, form("Survey", "U2", "2026-12-01")))
    assert h.last_dm("UOUT")["text"] == "Only members of <#C0001> can add actions to its plan."
    assert await h.deps.store.channel_actions(TEAM, CHANNEL) == []


def test_a_suggested_action_s_role_is_split_from_what_to_do() -> None:
    assert split_role("Team leads: gather the answers.") == ("Team leads", "Gather the answers.")
    assert split_role("RR. HH. y jefes de área: incluyan metas.") == (
        "RR. HH. y jefes de área",
        "Incluyan metas.",
    )
    assert split_role("Gather the answers.") == (None, "Gather the answers.")
    assert split_role("Ten times: a 3:1 ratio") == ("Ten times", "A 3:1 ratio")  # README's rule


def test_without_actions_the_next_level_s_description_is_suggested_whole() -> None:
    """A framework of one's own may have no actions: a level's description is not "Role: …"."""
    gap = {"actions": [], "next_step": "Segment insight decides where investment goes: leaders"}
    assert suggested(gap) == (None, gap["next_step"])
    assert suggested({"actions": ["QA lead: rebuild it."]}) == ("QA lead", "Rebuild it.")


async def test_done_from_home_is_not_reported_failed_when_refreshing_home_fails(
    harness: Harness,
) -> None:
    h = harness
    summary = await closed_round(h)
    await make_action(h, summary, owner="U2", due="2026-11-27")
    await h.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    home = h.slack.home_views["U2"]
    action_id, value, _ = h.button("U2", "cx_plan_done", {"blocks": home["blocks"], "ts": "0"})
    h.slack.fail_next("views.publish", "internal_error", status=500, times=3)
    await h.click("U2", action_id, value, channel="DU2", ts="0")
    assert await h.deps.store.owner_actions(TEAM, "U2") == []  # done
    texts = [m.get("text") or "" for m in h.dm_messages("U2")]
    assert texts[-1].startswith("Done:") and not any("went wrong" in t for t in texts)


def due_form(due: str) -> dict[str, Any]:
    return {"due": {"value": {"type": "datepicker", "selected_date": due}}}


async def test_an_action_gets_a_new_date_its_owner_is_reminded_on(harness: Harness) -> None:
    h = harness
    summary = await closed_round(h)
    made = await make_action(h, summary, owner="U2", due="2026-11-27")
    h.clock.now = datetime.fromisoformat("2026-11-27T09:05:00+00:00")  # 9:05 in London
    await h.deps.rounds.tick()
    reminder = next(m for m in h.dm_messages("U2") if "due today" in m["text"])
    action_id, value, ts = h.button("U2", "cx_plan_move", reminder)
    assert (action_id, value) == ("cx_plan_move", str(made.id))
    assert h.button("U2", "cx_plan_done", reminder)[1] == str(made.id)  # both, side by side

    # Only the owner, the lead or an admin: nobody else even gets the form
    await h.click("U3", action_id, value, channel="DU3", ts=ts)
    assert h.last_dm("U3")["text"] == (
        "Nur die verantwortliche Person (<@U2>), die Leitung der Runde (<@ULEAD>) oder ein"
        " Workspace-Admin kann das Fälligkeitsdatum ändern."
    )
    opened = [c.params["view"]["callback_id"] for c in h.slack.calls_to("views.open")]
    assert "cx_plan_move_modal" not in opened

    await h.click("U2", action_id, value, channel="DU2", ts=ts)
    view: dict[str, Any] = h.slack.calls_to("views.open", ok_only=True)[-1].params["view"]
    assert_valid_blocks(view["blocks"], limit=100)
    assert view["callback_id"] == "cx_plan_move_modal"
    assert view["blocks"][1]["element"]["initial_date"] == "2026-12-04"  # a week later: save
    what = made.what
    assert view["blocks"][0]["text"]["text"].startswith(f"{what}\n*")

    # The date is checked before the form closes: not the same, not in the past
    for due, error in (
        ("2026-11-27", "That is its due date already: pick another one."),
        ("2026-11-26", "Pick a date from today to one year ahead."),
    ):
        resp = await h.post(view_submission("U2", TEAM, view, due_form(due)))
        assert await resp.json() == {"response_action": "errors", "errors": {"due": error}}
    assert (await h.deps.store.action(made.id)).due.isoformat() == "2026-11-27"  # type: ignore[union-attr]

    assert await h.send(view_submission("U2", TEAM, view, due_form("2026-12-04"))) == 200
    moved = await h.deps.store.action(made.id)
    assert moved is not None and moved.due.isoformat() == "2026-12-04"
    assert moved.reminded_at is None  # reminded again, on the new date
    announced = h.slack.messages(CHANNEL)[-1]
    assert announced["thread_ts"] == summary["ts"]
    area = (await h.deps.store.rounds_in_channel(TEAM, CHANNEL))[0].result["top_gaps"][0]["name"]  # type: ignore[index]
    assert announced["text"] == (
        f"<@U2> moved their action for *{area}* to 2026-12-04 (was 2026-11-27): {what}"
    )
    assert h.last_dm("U2")["text"] == f"New due date 2026-12-04: {what}"
    assert "2026-12-04" in json.dumps(h.slack.home_views["U2"])  # App Home shows it

    h.clock.now = datetime.fromisoformat("2026-11-30T09:05:00+00:00")
    await h.deps.rounds.tick()
    assert len(dm_texts(h, "U2", "is due today")) == 1  # not overdue any more: no reminder
    h.clock.now = datetime.fromisoformat("2026-12-04T09:05:00+00:00")
    await h.deps.rounds.tick()
    assert len(dm_texts(h, "U2", "is due today")) == 2

    # A form opened before the action was done saves nothing after it, and says why
    await h.click("U2", "cx_plan_done", value, channel="DU2", ts=ts)
    resp = await h.post(view_submission("U2", TEAM, view, due_form("2026-12-11")))
    assert (await resp.json())["errors"] == {"due": f"Already done: {what}"}
    assert (await h.deps.store.action(made.id)).due.isoformat() == "2026-12-04"  # type: ignore[union-attr]


async def test_the_lead_moves_an_overdue_action_from_the_digest(harness: Harness) -> None:
    """The lead's weekly digest carries *Done* and *New date*; a submission is checked again
    for who sends it (a forged or replayed view), before the form closes."""
    h = harness
    summary = await closed_round(h)
    made = await make_action(h, summary, owner="U2", due="2026-12-10")
    h.clock.now = datetime.fromisoformat("2026-12-14T10:00:00+00:00")  # Monday, overdue now
    await h.deps.rounds.tick()
    digest = next(m for m in h.dm_messages("ULEAD") if "Overdue" in m["text"])
    assert_valid_blocks(digest["blocks"])
    action_id, value, ts = h.button("ULEAD", "cx_plan_move", digest)
    await h.click("ULEAD", action_id, value, channel="DULEAD", ts=ts)  # the lead may
    view: dict[str, Any] = h.slack.calls_to("views.open", ok_only=True)[-1].params["view"]
    assert view["blocks"][1]["element"]["initial_date"] == "2026-12-21"  # a week from today
    resp = await h.post(view_submission("U3", TEAM, view, due_form("2026-12-21")))
    assert (await resp.json())["errors"] == {
        "due": "Only the action's owner (<@U2>), the round's lead (<@ULEAD>) or a workspace"
        " admin can give it a new date."
    }
    assert (await h.deps.store.action(made.id)).due.isoformat() == "2026-12-10"  # type: ignore[union-attr]
    forged = {**view, "private_metadata": "0|en"}
    resp = await h.post(view_submission("ULEAD", TEAM, forged, due_form("2026-12-21")))
    assert (await resp.json())["errors"] == {"due": "That action does not exist any more."}
    assert await h.send(view_submission("ULEAD", TEAM, view, due_form("2026-12-21"))) == 200
    assert (await h.deps.store.action(made.id)).due.isoformat() == "2026-12-21"  # type: ignore[union-attr]
    announced = h.slack.messages(CHANNEL)[-1]["text"]
    assert announced.startswith("<@ULEAD> moved an action for *")
    assert announced.endswith("(owner <@U2>).") and "(was 2026-12-10)" in announced


async def test_a_date_moved_while_the_clock_reminds_is_reminded_on_the_new_date(
    harness: Harness,
) -> None:
    """The clock lists the unreminded actions, then claims them one by one, with Slack calls in
    between: a move landing in that gap must not be claimed for the old date."""
    h = harness
    summary = await closed_round(h)
    await make_action(h, summary, owner="U1", due="2026-11-26")  # listed first
    await make_action(h, summary, owner="U2", due="2026-11-27")
    h.clock.now = datetime.fromisoformat("2026-11-27T09:05:00+00:00")
    await h.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    home = h.slack.home_views["U2"]
    action_id, value, _ = h.button("U2", "cx_plan_move", {"blocks": home["blocks"], "ts": "0"})
    await h.click("U2", action_id, value, channel="DU2", ts="0")
    view: dict[str, Any] = h.slack.calls_to("views.open", ok_only=True)[-1].params["view"]

    # U1's reminder is slow to post; meanwhile U2 moves theirs to next Friday
    h.slack.hang_after("chat.postMessage", 30, where=lambda p: p.get("channel") in ("U1", "DU1"))
    tick = asyncio.create_task(h.deps.rounds.tick())
    for _ in range(500):
        if dm_texts(h, "U1", "2026-11-26"):  # Ana's reminder (in Spanish) is posted, held
            break
        await asyncio.sleep(0.01)
    assert dm_texts(h, "U1", "2026-11-26")  # the clock is past listing, inside the reminders
    assert await h.send(view_submission("U2", TEAM, view, due_form("2026-12-04"))) == 200
    h.slack.release()
    await tick

    assert dm_texts(h, "U2", "is due today") == []  # not for a date that is not its due date
    h.clock.now = datetime.fromisoformat("2026-12-04T09:05:00+00:00")
    await h.deps.rounds.tick()
    assert len(dm_texts(h, "U2", "is due today")) == 1  # and on the new date


async def test_moving_an_overdue_action_to_today_does_not_remind_its_owner_again(
    harness: Harness,
) -> None:
    """The owner, reminded this morning of an overdue action, gives it today's date: they just
    said so, a second DM the same day tells them nothing."""
    h = harness
    summary = await closed_round(h)
    await make_action(h, summary, owner="U2", due="2026-11-26")
    h.clock.now = datetime.fromisoformat("2026-11-27T09:05:00+00:00")  # 9:05 in London
    await h.deps.rounds.tick()
    assert dm_texts(h, "U2", "was due on 2026-11-26")  # reminded, late
    reminder = h.last_dm("U2")
    action_id, value, ts = h.button("U2", "cx_plan_move", reminder)
    await h.click("U2", action_id, value, channel="DU2", ts=ts)
    view: dict[str, Any] = h.slack.calls_to("views.open", ok_only=True)[-1].params["view"]
    assert await h.send(view_submission("U2", TEAM, view, due_form("2026-11-27"))) == 200
    assert h.last_dm("U2")["text"].startswith("New due date 2026-11-27:")
    h.clock.now = datetime.fromisoformat("2026-11-27T09:06:00+00:00")
    await h.deps.rounds.tick()
    assert dm_texts(h, "U2", "is due today") == []


async def test_a_person_west_of_utc_may_pick_their_own_today(harness: Harness) -> None:
    """15:00 on Friday 2026-11-27 in Honolulu is 01:00 on Saturday in UTC: Friday is still
    "today" for the person picking it, in the new-date form and in the action form."""
    h = harness
    h.slack.add_user("U2", name="ben", locale="en-US", tz="Pacific/Honolulu", tz_offset=-36000)
    summary = await closed_round(h)
    made = await make_action(h, summary, owner="U2", due="2026-11-26")
    h.clock.now = datetime.fromisoformat("2026-11-28T01:00:00+00:00")  # Fri 15:00 in Honolulu
    await h.event({"type": "app_home_opened", "user": "U2", "tab": "home"})
    home = h.slack.home_views["U2"]
    action_id, value, _ = h.button("U2", "cx_plan_move", {"blocks": home["blocks"], "ts": "0"})
    await h.click("U2", action_id, value, channel="DU2", ts="0")
    view: dict[str, Any] = h.slack.calls_to("views.open", ok_only=True)[-1].params["view"]
    assert view["blocks"][1]["element"]["initial_date"] == "2026-12-04"  # a week from Friday
    assert await h.send(view_submission("U2", TEAM, view, due_form("2026-11-27"))) == 200
    assert (await h.deps.store.action(made.id)).due.isoformat() == "2026-11-27"  # type: ignore[union-attr]
    second = await make_action(h, summary, owner="U2", due="2026-11-27", user="U2")
    assert second.id != made.id and second.due.isoformat() == "2026-11-27"
