"""Block Kit, built with slack-sdk's models (which validate lengths and counts as they serialize).

One package owns every block the app sends: the DM dialogue, the channel summary, App Home and
the modals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import Block

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_ID = 2**63 - 1  # SQLite's largest INTEGER


def to_dicts(blocks: Sequence[Block], limit: int = MAX_MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    """Serialize ``blocks`` (validating each) and enforce Slack's per-message block limit."""
    if len(blocks) > limit:
        raise ValueError(f"{len(blocks)} blocks exceed Slack's limit of {limit}")
    return [block.to_dict() for block in blocks]


def read_id(text: str) -> int:
    """The database id in a button value: ASCII digits from 1 to `MAX_ID`, else ValueError."""
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and 0 < int(text) <= MAX_ID):
        raise ValueError(f"not an id: {text[:30]!r}")
    return int(text)


def clip(text: str, limit: int = MAX_SECTION_TEXT) -> str:
    """``text`` cut to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape_mrkdwn(value: object) -> str:
    """Text safe in Slack mrkdwn: ``&``, ``<`` and ``>`` as entities (Slack's only escapes)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
