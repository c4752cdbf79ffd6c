"""Signed requests that are not what Slack sends: a start form naming a channel its sender is
not in, payloads of the wrong shape, button values with ids SQLite cannot hold, interactions
without ``user.team_id``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.render.blocks import read_id
from tests.handlers.conftest import CHANNEL, TEAM, Harness
from tests.handlers.test_home_modal_clock import modal_values
from tests.slack_requests import FORM, JSON, SlackRequest, _payload, view_submission

SOMETHING_WENT_WRONG = "Something went wrong on my side"


def start_view(channel: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "id": "V1",
        "callback_id": "cx_start_modal",
        "private_metadata": channel,
    }


async def test_a_start_form_naming_a_channel_its_sender_is_not_in_starts_nothing(
    harness: Harness,
) -> None:
    h = harness
    h.slack.add_channel("C0009", ["U1", "U2"], name="secret")  # the lead is not a member
    values = modal_values("cx-pillars", [], None, "en")
    assert await h.send(view_submission("ULEAD", TEAM, start_view("C0009"), values)) == 200
    assert await h.deps.store.open_round(TEAM, "C0009") is None
    assert h.slack.messages("C0009") == [] and h.dm_messages("U1") == []
    assert h.last_dm("ULEAD")["text"] == "Only members of <#C0009> can start a round there."
    assert await h.send(view_submission("ULEAD", TEAM, start_view(CHANNEL), values)) == 200
    assert await h.deps.store.open_round(TEAM, CHANNEL) is not None  # a member may


NO_VALUES: dict[str, Any] = {"state": {"values": {}}}


def interaction(payload: dict[str, Any]) -> SlackRequest:
    return _payload({"team": {"id": TEAM}, "user": {"id": "ULEAD", "team_id": TEAM}, **payload})


MALFORMED = {
    "view without type": interaction(
        {"type": "view_submission", "view": {"callback_id": "cx_start_modal", **NO_VALUES}}
    ),
    "view without callback": interaction(
        {"type": "view_submission", "view": {"type": "modal", **NO_VALUES}}
    ),
    "view without state": interaction(
        {"type": "view_submission", "view": {"type": "modal", "callback_id": "cx_start_modal"}}
    ),
    "view as text": interaction({"type": "view_submission", "view": "modal"}),
    "interaction without user": _payload(
        {"type": "view_submission", "view": {**start_view(CHANNEL), **NO_VALUES}}
    ),
    "no actions": interaction({"type": "block_actions", "actions": []}),
    "actions not a list": interaction({"type": "block_actions", "actions": {"action_id": "x"}}),
    "action without id": interaction({"type": "block_actions", "actions": [{"value": "1"}]}),
    "event without type": SlackRequest(
        json.dumps({"type": "event_callback", "event": {"user": "U1"}, "event_id": "Ev1"}), JSON
    ),
    "event as number": SlackRequest(
        json.dumps({"type": "event_callback", "event": 5, "event_id": "Ev2"}), JSON
    ),
    "command without user": SlackRequest("command=%2Fcx-assess&text=help", FORM),
}


@pytest.mark.parametrize("case", list(MALFORMED))
async def test_a_signed_body_of_the_wrong_shape_gets_400_not_500(
    harness: Harness, case: str
) -> None:
    assert (await harness.post(MALFORMED[case])).status == 400


async def test_a_button_with_an_id_sqlite_cannot_hold_is_ignored(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    before = len(h.dm_messages("U2"))
    huge = "9" * 20
    assert await h.click("U2", "cx_skip", f"{huge}|data", channel="DU2", ts="1.1") == 200
    assert await h.click("U2", "cx_start", huge, channel="DU2", ts="1.1") == 200
    assert h.dm_messages("U2")[before:] == []  # nothing, not "something went wrong"
    assert await h.click("ULEAD", "cx_home_remind", huge, channel="DULEAD", ts="1.1") == 200
    assert SOMETHING_WENT_WRONG in h.last_dm("ULEAD")["text"]  # told, not a traceback


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "١", "9223372036854775808", "", "1" * 4400])
def test_an_id_is_ascii_digits_within_sqlite_integers(text: str) -> None:
    with pytest.raises(ValueError):
        read_id(text)


def test_the_largest_sqlite_integer_is_an_id() -> None:
    assert read_id("9223372036854775807") == 2**63 - 1


async def test_a_home_button_without_the_users_team_id_uses_the_team(harness: Harness) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    press = interaction(
        {
            "type": "block_actions",
            "user": {"id": "ULEAD"},
            "actions": [{"type": "button", "action_id": "cx_home_close", "value": "1"}],
        }
    )
    assert await h.send(press) == 200
    assert h.last_dm("ULEAD")["text"].startswith("*Not yet closed.*")  # the round was found
