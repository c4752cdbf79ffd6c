"""Which channel events are replies in a thread, their edits or their deletions (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.discussion import ThreadMessage, thread_message

BOT = "UBOT"
REPLY = {"type": "message", "channel": "C1", "channel_type": "channel", "user": "U1",
         "text": "hi", "ts": "2.0", "thread_ts": "1.0"}  # fmt: skip


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (REPLY, ThreadMessage("C1", "1.0", "2.0", "U1", "hi")),
        (REPLY | {"channel_type": "group"}, ThreadMessage("C1", "1.0", "2.0", "U1", "hi")),
        (REPLY | {"text": "a &lt;b&gt; &amp;amp;"}, ThreadMessage("C1", "1.0", "2.0", "U1", "a <b> &amp;")),
        (REPLY | {"subtype": "thread_broadcast"}, ThreadMessage("C1", "1.0", "2.0", "U1", "hi")),
        (REPLY | {"subtype": "file_share", "text": ""}, ThreadMessage("C1", "1.0", "2.0", "U1")),
        ({k: v for k, v in REPLY.items() if k != "thread_ts"}, None),  # not in a thread
        (REPLY | {"ts": "1.0"}, None),  # the thread's first message
        (REPLY | {"bot_id": "B1"}, None),
        (REPLY | {"user": BOT}, None),
        (REPLY | {"subtype": "bot_message"}, None),
        (REPLY | {"subtype": "channel_join"}, None),
        (
            {"type": "message", "subtype": "message_changed", "channel": "C1",
             "message": REPLY | {"text": "edited"}, "ts": "3.0"},
            ThreadMessage("C1", "1.0", "2.0", "U1", "edited"),
        ),
        (  # a reply changes its thread's first message (reply count): not a reply
            {"type": "message", "subtype": "message_changed", "channel": "C1",
             "message": REPLY | {"ts": "1.0", "user": BOT, "bot_id": "B1"}, "ts": "3.0"},
            None,
        ),
        (
            {"type": "message", "subtype": "message_deleted", "channel": "C1",
             "deleted_ts": "2.0", "previous_message": REPLY},
            ThreadMessage("C1", "1.0", "2.0", None),
        ),
        (
            {"type": "message", "subtype": "message_deleted", "channel": "C1",
             "deleted_ts": "1.0", "previous_message": REPLY | {"ts": "1.0"}},
            None,
        ),
    ],
)  # fmt: skip
def test_thread_messages_are_told_from_everything_else(
    event: dict[str, Any], expected: ThreadMessage | None
) -> None:
    assert thread_message(event, BOT) == expected
