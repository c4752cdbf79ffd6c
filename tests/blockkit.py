"""Checks that Block Kit payloads pass slack-sdk's validation and Slack's documented limits."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block


def assert_valid_blocks(blocks: list[dict[str, Any]], limit: int = 50) -> None:
    """Every block parses into a known slack-sdk model and serializes back unchanged."""
    assert 0 < len(blocks) <= limit, f"{len(blocks)} blocks (limit {limit})"
    parsed = Block.parse_all(blocks)
    assert all(block is not None for block in parsed), "unknown block type"
    assert [block.to_dict() for block in parsed] == blocks  # to_dict validates recursively
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
