"""Block Kit in tests: payloads pass slack-sdk's validation and Slack's documented limits, and
read as text (what a person sees, for transcripts such as docs/walkthrough.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
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


# ---------------------------------------------------------------------- Block Kit as text

Names = Callable[[str], str]
"""Resolves a user or channel id to what Slack shows for it (``Ana``, ``cx-team``)."""

_SPECIAL = re.compile(r"<([@#!])([^>|]+)(?:\|([^>]*))?>|<([^>|]+)(?:\|([^>]*))?>")
_BROADCASTS = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def slack_text(text: str, names: Names = str) -> str:
    """Slack's formatted text as a person reads it: ``<@U1>`` → ``@Ana``, ``<#C1>`` → ``#cx-team``,
    ``<!date^…|fallback>`` → the fallback, ``<url|label>`` → label, entities unescaped."""

    def readable(match: re.Match[str]) -> str:
        sigil, target, label, url, url_label = match.groups()
        if sigil == "@":
            return f"@{label or names(target)}"
        if sigil == "#":
            return f"#{label or names(target)}"
        if sigil == "!":
            return label or _BROADCASTS.get(target, f"@{target}")
        return url_label or url

    readable_text = _SPECIAL.sub(readable, text)
    return readable_text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render_blocks(blocks: list[dict[str, Any]], names: Names = str) -> list[str]:
    """Block Kit as lines of text: ``# header``, section text, ``› context``, ``[Button]``,
    ``[Menu ▾]``, ``[image: alt]``, ``---`` for a divider; an unknown block as ``[type]``."""
    lines: list[str] = []
    for block in blocks:
        lines += _block_lines(block, names)
    return lines


def _block_lines(block: dict[str, Any], names: Names) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [f"# {_text(block.get('text'), names)}"]
    if kind == "section":
        lines = _text(block.get("text"), names).split("\n") if block.get("text") else []
        lines += [_text(field, names) for field in block.get("fields", [])]
        if block.get("accessory"):
            accessory = _element(block["accessory"], names)
            lines = [*lines[:-1], f"{lines[-1]}  {accessory}"] if lines else [accessory]
        return lines
    if kind == "context":
        parts = [
            f"[image: {e.get('alt_text', '')}]" if e.get("type") == "image" else _text(e, names)
            for e in block.get("elements", [])
        ]
        return [f"› {line}" for line in "  ".join(parts).split("\n")]
    if kind == "actions":
        return [" ".join(_element(e, names) for e in block.get("elements", []))]
    if kind == "divider":
        return ["---"]
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    if kind == "input":
        return [f"{_text(block.get('label'), names)}: {_element(block.get('element', {}), names)}"]
    if kind == "rich_text":
        return "".join(_rich_text(e, names) for e in block.get("elements", [])).split("\n")
    return [f"[{kind}]"]


def _text(obj: dict[str, Any] | None, names: Names) -> str:
    """A text object's text (mrkdwn or plain_text), readable."""
    return slack_text(str((obj or {}).get("text", "")), names)


def interactive_label(element: dict[str, Any], names: Names = str) -> str:
    """What a person sees on a button (its label) or a menu (its placeholder or choice)."""
    chosen = element.get("initial_option") or element.get("selected_option")
    shown = element.get("text") or (chosen or {}).get("text") or element.get("placeholder")
    return _text(shown, names)


_FIELDS = {
    "plain_text_input": "text",
    "number_input": "number",
    "email_text_input": "email",
    "url_text_input": "URL",
    "datepicker": "date ▾",
    "timepicker": "time ▾",
    "datetimepicker": "date and time ▾",
}
_PICKERS = {
    "users_select": "a person",
    "multi_users_select": "people",
    "conversations_select": "a conversation",
    "multi_conversations_select": "conversations",
    "channels_select": "a channel",
    "multi_channels_select": "channels",
}
_INITIAL = ("initial_value", "initial_date", "initial_time", "initial_date_time")
_PICKED = ("initial_user", "initial_users", "initial_conversation", "initial_conversations")


def _element(element: dict[str, Any], names: Names) -> str:
    kind = element.get("type", "")
    label = interactive_label(element, names)
    if kind == "button":
        return f"[{label}]"
    if kind == "overflow":
        return f"[⋯ {' | '.join(_text(o.get('text'), names) for o in element.get('options', []))}]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind in _FIELDS:
        initial = next((str(element[k]) for k in _INITIAL if element.get(k)), "")
        return f"[{initial or label or _FIELDS[kind]}]"
    if element.get("options"):
        options = " | ".join(_text(o.get("text"), names) for o in element["options"])
        return f"[{label} ▾ {options}]"
    picked = [element[k] for k in _PICKED if element.get(k)]
    ids = [i for value in picked for i in ([value] if isinstance(value, str) else value)]
    shown = ", ".join(names(i) for i in ids) or label or _PICKERS.get(kind, kind)
    return f"[{shown} ▾]"


def _rich_text(element: dict[str, Any], names: Names) -> str:
    if "elements" in element:
        return "".join(_rich_text(e, names) for e in element["elements"])
    if element.get("type") == "user":
        return f"@{names(element.get('user_id', ''))}"
    if element.get("type") == "channel":
        return f"#{names(element.get('channel_id', ''))}"
    return str(element.get("text", ""))
