"""Signed requests that are not what Slack sends: button values with ids SQLite cannot hold,
interactions without ``user.team_id``."""

from __future__ import annotations

from typing import Any

import pytest

from bot.render.blocks import read_id
from tests.handlers.conftest import TEAM, Harness
from tests.slack_requests import SlackRequest, _payload

SOMETHING_WENT_WRONG = "Something went wrong on my side"


def interaction(payload: dict[str, Any]) -> SlackRequest:
    return _payload({"team": {"id": TEAM}, "user": {"id": "ULEAD", "team_id": TEAM}, **payload})


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
