"""A comment is the person's own until the round closes: deleting or editing their reply in a
card's thread takes it back or changes it, kept safe like an answer (replayed after a crash)."""

from __future__ import annotations

import time
from typing import Any

from bot.handlers.middleware import replay_kept
from tests.handlers.conftest import TEAM, Harness
from tests.handlers.test_dialogue import start_pillars
from tests.slack_requests import dm_message


def deleted(reply: dict[str, Any]) -> dict[str, Any]:
    """The ``message_deleted`` event Slack sends when ``reply`` (a DM thread reply) is deleted."""
    return {
        "type": "message",
        "subtype": "message_deleted",
        "channel_type": "im",
        "channel": reply["channel"],
        "ts": f"{time.time():.6f}",
        "deleted_ts": reply["ts"],
        "hidden": True,
        "previous_message": {k: reply[k] for k in ("type", "user", "text", "ts", "thread_ts")},
    }


def edited(reply: dict[str, Any], text: str) -> dict[str, Any]:
    """The ``message_changed`` event of ``reply`` edited to ``text``."""
    before = {k: reply[k] for k in ("type", "user", "text", "ts", "thread_ts")}
    return {
        "type": "message",
        "subtype": "message_changed",
        "channel_type": "im",
        "channel": reply["channel"],
        "ts": f"{time.time():.6f}",
        "hidden": True,
        "message": {**before, "text": text, "edited": {"user": reply["user"], "ts": "1"}},
        "previous_message": before,
    }


async def comment(h: Harness, round_id: int) -> str | None:
    person = await h.deps.store.participant(round_id, "U2")
    assert person is not None
    return person.state.answer("data").comment


async def commented(h: Harness) -> tuple[int, dict[str, Any]]:
    """A round of two; Ben comments on his first card: the round and his reply."""
    round_id = await start_pillars(h, "U2", "U3")
    await h.press("U2", "cx_start")
    reply = dm_message("U2", "Our team lead ignores every survey.", h.last_dm("U2")["ts"])
    await h.event(reply)
    return round_id, reply


async def test_deleting_or_editing_a_reply_changes_the_comment(harness: Harness) -> None:
    h = harness
    round_id = await start_pillars(h, "U2", "U3")
    await h.press("U2", "cx_start")
    card_ts = h.last_dm("U2")["ts"]
    first = dm_message("U2", "Our team lead ignores every survey.", card_ts)
    second = dm_message("U2", "And nobody reads them.", card_ts)
    await h.event(first)
    await h.event(second)
    assert (
        await comment(h, round_id) == "Our team lead ignores every survey.\nAnd nobody reads them."
    )

    await h.event(deleted(first))
    assert await comment(h, round_id) == "And nobody reads them."
    assert h.last_dm("U2")["text"] == (
        "You deleted your reply: it is no longer part of your comment on Customer data, and will"
        " not be in the report."
    )
    await h.event(edited(second, "Nobody reads the survey results."))
    assert await comment(h, round_id) == "Nobody reads the survey results."
    assert h.last_dm("U2")["text"] == "Your comment on Customer data now reads as you edited it."

    # Not theirs, not a card's thread, or a bot's edit: nothing changes, nothing is said
    before = len(h.dm_messages("U2"))
    await h.event(
        {
            **deleted(second),
            "previous_message": {**deleted(second)["previous_message"], "user": "U3"},
        }
    )
    await h.event(deleted(dm_message("U2", "Nobody reads the survey results.", "1.000")))
    await h.event(edited({**second, "user": "UBOT"}, "x"))
    assert await comment(h, round_id) == "Nobody reads the survey results."
    assert len(h.dm_messages("U2")) == before


async def test_a_deletion_kept_before_a_crash_is_applied_at_restart(harness: Harness) -> None:
    h = harness
    round_id, reply = await commented(h)
    # the deletion reached the inbox (before Slack's 200), then the process died
    assert await h.deps.store.first_time("event:Ev-deleted", {**deleted(reply), "team": TEAM})
    assert await replay_kept(h.deps) == 1
    assert await comment(h, round_id) is None
    assert await h.deps.store.undone_requests() == []


async def test_after_the_close_a_deletion_says_the_report_is_out(harness: Harness) -> None:
    h = harness
    round_id, reply = await commented(h)
    assert await h.command("close anyway") == 200
    await h.event(deleted(reply))
    said = "This assessment has closed, so comments can no longer be changed or taken back. The results are in"
    assert h.last_dm("U2")["text"] == f"{said} <#C0001>."
    assert await comment(h, round_id) == "Our team lead ignores every survey."
    await h.press("U2", "cx_skip", h.card("U2"))  # a button on the card says where the results went
    assert h.last_dm("U2")["text"] == "This assessment has closed; the results are in <#C0001>."


async def test_a_reply_too_long_to_keep_edited_shorter_becomes_the_comment(
    harness: Harness,
) -> None:
    h = harness
    round_id = await start_pillars(h, "U2", "U3")
    await h.press("U2", "cx_start")
    long = dm_message("U2", "x" * 2100, h.last_dm("U2")["ts"])
    await h.event(long)
    assert "too long" in h.last_dm("U2")["text"]
    assert await comment(h, round_id) is None
    await h.event(edited(long, "Shorter: the IVR loses callers."))
    assert await comment(h, round_id) == "Shorter: the IVR loses callers."
    await h.event(deleted({**long, "text": "Shorter: the IVR loses callers."}))
    assert await comment(h, round_id) is None
