"""Anonymity against inference: nothing shown while a round is open changes with one person's
answers, and no setting lets an area show fewer than three people's answers."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import ConfigError, Settings
from tests.handlers.conftest import CHANNEL, TEAM, Harness, bundled
from tests.handlers.test_home_modal_clock import modal_values
from tests.handlers.test_rounds import answer_all, reply, summary_message
from tests.slack_requests import view_submission

LEVELS = ("Needs immediate action", "Room for improvement", "Excellent")


def uploads(h: Harness) -> int:
    return len(h.slack.calls_to("files.completeUploadExternal", ok_only=True))


async def test_preview_and_export_before_and_after_one_person_answers_differ_only_in_counts(
    harness: Harness,
) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3>")
    await answer_all(h, "U1", 1)
    await answer_all(h, "U2", 1)
    seen = []
    for _ in range(2):  # the lead looks, U3 answers, the lead looks again
        await h.command("results")
        seen.append(reply(h))
        await h.command("export")
        seen.append(reply(h))
        if len(seen) == 2:
            await answer_all(h, "U3", 1)
    assert (
        seen[0]
        == seen[1]
        == (
            "The round is still open: 2 of 3 people have started, 2 have finished. Results and the "
            "export come when it closes, so that nobody's answers can be worked out by comparing a "
            "preview before and after they answer."
        )
    )
    assert seen[2] == seen[3] == seen[0].replace("2 of 3", "3 of 3").replace("2 have", "3 have")
    assert uploads(h) == 0 and not any(level in text for text in seen for level in LEVELS)

    await h.command("close")
    await h.command("results", user="U2")  # after close: the final result, for anyone
    assert "Needs immediate action" in reply(h)
    before = uploads(h)
    await h.command("export")
    assert uploads(h) == before + 2  # the full report and the pseudonymised answers


@pytest.mark.parametrize("value", ["1", "2", "0"])
async def test_min_responses_below_three_is_refused_with_the_reason(
    harness: Harness, value: str
) -> None:
    h = harness
    await h.command(f"start cx-pillars <@U1> --min-responses {value}")
    assert reply(h).startswith(
        "The minimum answers per area is a whole number from 3 to 50 (with fewer, an area's "
        f"level could be one person's answer), not `{value}`."
    )
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None


def test_the_environment_cannot_lower_the_floor() -> None:
    with pytest.raises(ConfigError, match="CX_ASSESS_MIN_RESPONSES must be at least 3"):
        Settings.from_env({"CX_ASSESS_MIN_RESPONSES": "1"})
    with pytest.raises(ConfigError, match="at least 3"):
        Settings(min_responses=2)
    assert Settings.from_env({"CX_ASSESS_MIN_RESPONSES": "5"}).min_responses == 5


async def test_a_round_stored_with_a_lower_minimum_is_analysed_with_the_floor(
    harness: Harness,
) -> None:
    """Rounds started before the floor existed may hold 1 or 2."""
    h = harness
    from bot.model import Invitee

    round_ = await h.deps.store.create_round(
        team_id=TEAM,
        channel_id=CHANNEL,
        framework=bundled().get("cx-pillars"),
        started_by="ULEAD",
        participants=[Invitee("U1", "en", None)],
        lang="en",
        deadline=None,
        min_responses=1,
        now=h.clock(),
    )
    assert (await h.deps.rounds.analyse(round_)).settings.min_responses == 3


async def _submit(h: Harness, values: dict[str, Any]) -> dict[str, Any]:
    await h.command("")
    view = h.slack.calls_to("views.open", ok_only=True)[-1].params["view"]
    resp = await h.post(view_submission("ULEAD", TEAM, view, values))
    assert resp.status == 200
    answer: dict[str, Any] = await resp.json() if resp.content_length else {}
    return answer


@pytest.mark.parametrize("minimum", ["-5", "1000000000", "abc", "1.5", "2", "²"])
async def test_forged_minimum_in_the_modal_is_answered_with_the_field_error(
    harness: Harness, minimum: str
) -> None:
    h = harness
    answer = await _submit(h, modal_values("cx-pillars", ["U1"], None, "en", minimum))
    assert answer == {
        "response_action": "errors",
        "errors": {
            "min_responses": "The minimum answers per area is a whole number from 3 to 50 (with "
            f"fewer, an area's level could be one person's answer), not `{minimum[:10]}`."
        },
    }
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None


async def test_every_forged_field_of_the_modal_is_answered_with_its_error(
    harness: Harness,
) -> None:
    h = harness
    values = modal_values("nope", ["U1", "#general"], "9999-12-31", "xx", "3")
    answer = await _submit(h, values)
    errors = answer["errors"]
    assert set(errors) == {"framework", "participants", "deadline", "lang"}
    assert errors["deadline"] == (
        "The deadline 9999-12-31 is more than a year away: pick a day until 2027-11-26."
    )
    assert errors["framework"].startswith("There is no framework `nope`.")
    values = modal_values("cx-pillars", [], "soon", "en")
    values["framework"]["value"]["selected_option"] = "cx-pillars"  # not an option object
    answer = await _submit(h, values)
    assert set(answer["errors"]) == {"framework", "deadline"}
    answer = await _submit(h, modal_values("cx-pillars", [], "soon", "en"))
    assert answer["errors"] == {
        "deadline": "`soon` is not a date: use YYYY-MM-DD, e.g. 2026-12-31."
    }
    assert await h.deps.store.open_round(TEAM, CHANNEL) is None


async def test_an_export_holds_only_complete_answers_without_comments(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3> <@ULEAD>")
    for user, level in (("U1", 1), ("U2", 2), ("U3", 3)):
        await h.answer_all(user, level, 3, 2, cards=5)
    await h.dm("U1", "comment: as the only data engineer I see this daily")
    await h.press("ULEAD", "cx_start")
    await h.tap("ULEAD", 1)  # one area only: the lead knows who that was
    await h.command("close anyway")
    await h.command("export")
    csv = list(h.slack.uploads.values())[-1].decode().splitlines()
    people = {line.split(",")[0] for line in csv[1:]}
    assert people == {"P1", "P2", "P3"} or people == {"P01", "P02", "P03"}
    # The lead took part, so each area needs three answers besides the lead's: only data (the
    # lead's and three more) is shown and exported; everyone complete has a row there.
    assert len(csv) == 1 + 3 and all(line.split(",")[1] == "data" for line in csv[1:])
    assert "data engineer" not in "\n".join(csv)


async def test_an_export_leaves_out_a_target_too_few_gave(harness: Harness) -> None:
    # Three levels everywhere, but only U1 gives targets and importances: the summary shows
    # none of them (one person's answers), and neither may the file.
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@U3>")
    await h.answer_all("U1", 2, 3, 3, cards=5)
    for user in ("U2", "U3"):
        await h.press(user, "cx_start")
        for _ in range(5):
            await h.tap(user, 2)
            await h.dm(user, "?")  # not sure of the target
            await h.dm(user, "?")  # nor of the importance
        await h.press(user, "cx_finish")
    await h.command("close anyway")
    await h.command("export")
    csv = list(h.slack.uploads.values())[-1].decode().splitlines()
    header, rows = csv[0].split(","), [line.split(",") for line in csv[1:]]
    target, importance = header.index("target"), header.index("importance")
    assert len(rows) == 3 * 5 and all(len(row) == len(header) for row in rows)
    assert {row[target] for row in rows} <= {"", "?"} and "3" not in {row[target] for row in rows}
    assert "3" not in {row[importance] for row in rows}


@pytest.mark.parametrize("people", [("U1", "U2", "U3"), ("ULEAD", "U1", "U2", "U3")])
async def test_no_export_when_too_few_besides_the_lead_answered_every_area(
    harness: Harness, people: tuple[str, ...]
) -> None:
    # Two complete rows besides the lead's; the lead knows their own row, so it counts for none.
    h = harness
    *complete, partial = people
    await h.command("start cx-pillars " + " ".join(f"<@{u}>" for u in people))
    for user in complete:
        await answer_all(h, user, 2)
    await h.press(partial, "cx_start")
    await h.tap(partial, 2)  # one level: that area may be shown, yet U3 has no row
    await h.command("close anyway")
    await h.command("export")
    assert h.slack.responses[-1]["text"].startswith(
        "Only 2 people besides you answered every area; an export needs at least 3"
    )
    assert not [f for f in h.slack.uploads.values() if f.startswith(b"participant,")]


async def test_an_admin_who_answered_cannot_export_the_two_other_rows(harness: Harness) -> None:
    # The lead does not answer; an admin and two others do. The admin knows their own row, so
    # the other two rows would be U1's and U2's.
    h = harness
    await h.command("start cx-pillars <@U1> <@U2> <@UADMIN>")
    for user, level in (("U1", 1), ("U2", 3), ("UADMIN", 2)):
        await answer_all(h, user, level)
    await h.command("close")
    await h.command("export", user="UADMIN")
    assert h.slack.responses[-1]["text"].startswith(
        "Only 2 people besides the round's lead and you answered every area"
    )
    assert not [f for f in h.slack.uploads.values() if f.startswith(b"participant,")]
    await h.command("export")  # the lead answered nothing: three rows they cannot tell apart
    assert [f for f in h.slack.uploads.values() if f.startswith(b"participant,")]


async def test_the_leads_own_answers_do_not_count_toward_the_minimum(harness: Harness) -> None:
    # The lead and two others: the lead could subtract their own answer and learn the other two.
    h = harness
    await h.command("start cx-pillars <@ULEAD> <@U1> <@U2> <@U3>")
    for user in ("ULEAD", "U1", "U2"):
        await answer_all(h, user, 2)
    await h.command("close")
    warning = reply(h)
    assert warning.startswith("*Not yet closed.*") and "Customer data" in warning
    await answer_all(h, "U3", 2)  # three people besides the lead: enough
    await h.command("close")
    assert reply(h) == "The round is closed and the summary is in the channel."
    summary = summary_message(h)
    assert "too few answers to show" not in str(summary["blocks"])
    assert summary["text"].startswith("CX maturity: five pillars: overall stage 2 · ")
    uploads = len(h.slack.uploads)
    await h.command("export")  # the lead's row and three others: enough
    assert [f for f in list(h.slack.uploads.values())[uploads:] if f.startswith(b"participant,")]


async def test_no_export_when_it_would_leave_out_fewer_people_than_the_minimum(
    harness: Harness,
) -> None:
    # Five finish, U6 stops after one card: the summary counts U6, the file would not, and
    # status says who is still answering: summary minus file would be U6's answers.
    h = harness
    people = ("U1", "U2", "U3", "U4", "U5", "U6")
    for user in ("U4", "U5", "U6"):
        h.slack.add_user(user, name=user.lower(), locale="en-US")
    await h.command("start cx-pillars " + " ".join(f"<@{u}>" for u in people))
    for user, level in zip(people[:5], (1, 1, 2, 3, 3), strict=True):
        await h.answer_all(user, level, 3, 2, cards=5)
    await h.press("U6", "cx_start")
    await h.answer_card("U6", 3, 3, 2)
    await h.command("close anyway")
    await h.command("export")
    assert h.slack.responses[-1]["text"].startswith(
        "No export for this round: 1 of the people counted in the summary stopped part way"
    )
    assert not [f for f in h.slack.uploads.values() if f.startswith(b"participant,")]
