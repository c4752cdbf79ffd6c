"""Slack hears back as soon as a request is acknowledged, while the Web API calls that follow
are still under way; one test per kind of listener (the app runs with ``process_before_response``: a listener that kept Slack
waiting for them would make it retry, or show the person an error, after 3 s). The mechanism does not depend on the database: SQLite only."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable

import pytest

from bot.flows.interview import Phase
from bot.handlers.acks import answer_on_ack
from bot.server import drain
from tests.handlers.conftest import CHANNEL, TEAM, Harness, settle
from tests.handlers.test_home_modal_clock import modal_values
from tests.slack_requests import (
    SlackRequest,
    block_actions,
    dm_message,
    event_callback,
    slash_command,
    view_submission,
)

pytestmark = pytest.mark.sqlite_only

HELD = 1.0  # seconds the fake Slack holds back its answer to the first call after the ack


async def answered_in(h: Harness, request: SlackRequest) -> float:
    """Seconds until the app's HTTP answer to ``request`` (a 200) arrived."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    resp = await h.post(request)
    assert resp.status == 200
    return loop.time() - started


def hold(h: Harness, method: str) -> None:
    h.slack.hang_after(method, HELD)


async def test_a_press_is_answered_before_the_next_card_is_posted(harness: Harness) -> None:
    h = harness
    assert await h.command("start cx-pillars <@U2|ben>") == 200
    action_id, value, ts = h.button("U2", "cx_start")
    hold(h, "chat.postMessage")
    response_url = h.slack.message_response_url("DU2", ts, TEAM)
    press = block_actions(
        "U2", TEAM, action_id, value, channel="DU2", ts=ts, response_url=response_url
    )
    assert await answered_in(h, press) < HELD / 2
    round_ = await h.deps.store.open_round(TEAM, CHANNEL)
    assert round_ is not None
    kept = [click["action_id"] for _, click in await h.deps.store.undone_requests()]
    person = await h.deps.store.participant(round_.id, "U2")  # read second: applied, if not kept
    assert person is not None  # kept before the answer: waiting in the inbox, or applied already
    assert kept == ["cx_start"] or person.state.phase is Phase.ASKING, (kept, person.state)
    await settle()
    person = await h.deps.store.participant(round_.id, "U2")
    assert person is not None and person.state.phase is Phase.ASKING
    assert await h.deps.store.undone_requests() == []
    assert h.card("U2")["ts"] != ts  # the first card followed


async def test_a_typed_answer_is_answered_before_its_card_is_updated(harness: Harness) -> None:
    h = harness
    assert await h.command("start cx-pillars <@U2|ben>") == 200
    await h.press("U2", "cx_start")
    card = copy.deepcopy(h.card("U2"))
    hold(h, "chat.update")
    event = event_callback(dm_message("U2", "2"), team=TEAM, event_id="EvTyped1")
    assert await answered_in(h, event) < HELD / 2
    await settle()
    updated = next(m for m in h.dm_messages("U2") if m["ts"] == card["ts"])
    assert updated != card  # today's level, typed, is marked on the card


@pytest.mark.parametrize("kind", ["command", "modal"])
async def test_starting_a_round_is_answered_before_the_invitations_go_out(
    harness: Harness, kind: str
) -> None:
    h = harness
    if kind == "command":
        request = slash_command(
            "start cx-pillars <@U2|ben>",
            user="ULEAD",
            team=TEAM,
            channel=CHANNEL,
            response_url=h.slack.response_url("cmd-ULEAD"),
            trigger_id="trigger-held",
        )
    else:
        assert await h.command("") == 200  # the start modal
        view = h.slack.calls_to("views.open", ok_only=True)[-1].params["view"]
        request = view_submission(
            "ULEAD", TEAM, view, modal_values("cx-pillars", ["U1", "U2", "U3"], None, "en")
        )
    hold(h, "chat.postMessage")
    assert await answered_in(h, request) < HELD / 2
    await settle()
    assert sorted(h.invited()) == (["U2"] if kind == "command" else ["U1", "U2", "U3"])


async def test_a_failure_before_the_acknowledgement_reaches_bolt_and_one_after_it_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    acks: list[str] = []

    async def ack() -> None:
        acks.append("ack")

    async def fails_early(ack: Callable[[], Awaitable[None]]) -> None:
        raise RuntimeError("before the ack")

    go_on = asyncio.Event()

    async def fails_late(ack: Callable[[], Awaitable[None]]) -> None:
        await ack()
        await go_on.wait()
        raise RuntimeError("after the ack")

    with pytest.raises(RuntimeError, match="before the ack"):  # Bolt's error handler: a 500
        await answer_on_ack(fails_early)(ack=ack)
    assert acks == []
    await answer_on_ack(fails_late)(ack=ack)  # returns at the acknowledgement
    assert acks == ["ack"] and "failed after its acknowledgement" not in caplog.text
    go_on.set()
    await drain()
    await asyncio.sleep(0)  # the task's done callback
    assert "fails_late failed after its acknowledgement" in caplog.text
