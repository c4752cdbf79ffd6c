"""The ``/cx-assess`` command line: parse its text into a typed request, never raising.

Mentions arrive escaped by Slack (``<@U123>`` or ``<@U123|name>``) because the command is
declared with ``should_escape``. Anything the parser cannot use becomes a `SlashError` whose
``key`` names the message to show (see templates/messages_slack.yaml).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from bot.flows.cadence import Cadence, parse_cadence
from bot.frameworks import LANGUAGES

MAX_COMMAND_CHARS = 4000
MIN_RESPONSES_FLOOR = 3
"""An area's levels need at least this many answers: with one or two, a median is somebody's."""
MAX_MIN_RESPONSES = 50
MAX_DEADLINE_AHEAD = timedelta(days=366)
_DIGITS = re.compile(r"[0-9]{1,6}")


class Sub(StrEnum):
    START = "start"
    STATUS = "status"
    REMIND = "remind"
    CLOSE = "close"
    CANCEL = "cancel"
    RESULTS = "results"
    HISTORY = "history"
    EXPORT = "export"
    FRAMEWORKS = "frameworks"
    HELP = "help"
    ACTIONS = "actions"
    SCHEDULE = "schedule"
    FOLLOWUP = "followup"
    DEADLINE = "deadline"


LEAD_ONLY = frozenset({Sub.REMIND, Sub.CLOSE, Sub.CANCEL, Sub.EXPORT, Sub.RESULTS, Sub.DEADLINE})
"""Subcommands only the round's starter or a workspace admin/owner may run (results: while open)."""


@dataclass(frozen=True)
class SlashCommand:
    """A parsed request. ``START`` without a framework means: open the start modal."""

    sub: Sub
    framework: str | None = None
    users: tuple[str, ...] = ()
    deadline: date | None = None
    lang: str | None = None
    min_responses: int | None = None
    every: Cadence | None = None
    anyway: bool = False
    """``close anyway``: close even when areas would be withheld for too few answers."""


@dataclass(frozen=True)
class SlashError:
    """Why the text could not be used; ``key`` is a message key, ``params`` its values."""

    key: str
    params: dict[str, str] = field(default_factory=dict)


def min_responses_value(text: str) -> int | None:
    """A minimum number of answers per area (ASCII digits, `MIN_RESPONSES_FLOOR` to
    `MAX_MIN_RESPONSES`), or None when ``text`` is not one."""
    if not _DIGITS.fullmatch(text) or not MIN_RESPONSES_FLOOR <= int(text) <= MAX_MIN_RESPONSES:
        return None
    return int(text)


def min_responses_error(value: str) -> SlashError:
    """Why ``value`` is not a minimum number of answers."""
    params = {"value": value[:10], "min": str(MIN_RESPONSES_FLOOR), "max": str(MAX_MIN_RESPONSES)}
    return SlashError("slash_bad_min", params)


def deadline_error(day: date, today: date) -> SlashError | None:
    """Why ``day`` cannot be a deadline set ``today`` (in the past, or more than a year ahead)."""
    if day < today:
        return SlashError("deadline_past", {"deadline": day.isoformat()})
    if day > today + MAX_DEADLINE_AHEAD:
        latest = (today + MAX_DEADLINE_AHEAD).isoformat()
        return SlashError("deadline_too_far", {"deadline": day.isoformat(), "latest": latest})
    return None


_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_OPTION = re.compile(r"^--([a-z-]+)(?:=(.*))?$")


def parse_slash(text: str) -> SlashCommand | SlashError:
    """Parse the text after ``/cx-assess``."""
    if len(text) > MAX_COMMAND_CHARS:
        return SlashError("slash_too_long", {"max": str(MAX_COMMAND_CHARS)})
    words = text.split()
    if not words:
        return SlashCommand(Sub.START)
    head = words[0].lower()
    try:
        sub = Sub(head)
    except ValueError:
        return SlashError("slash_unknown", {"word": head[:40]})
    if sub is Sub.CLOSE and [w.lower() for w in words[1:]] == ["anyway"]:
        return SlashCommand(sub, anyway=True)
    if sub is Sub.DEADLINE:  # "deadline YYYY-MM-DD": the open round's new last day
        if len(words) != 2:
            return SlashError("slash_deadline_day")
        try:
            return SlashCommand(sub, deadline=date.fromisoformat(words[1]))
        except ValueError:
            return SlashError("slash_bad_deadline", {"value": words[1][:40]})
    if sub is not Sub.START:
        if len(words) > 1:
            return SlashError("slash_no_arguments", {"sub": sub.value})
        return SlashCommand(sub)
    return _parse_start(words[1:])


def _parse_start(words: list[str]) -> SlashCommand | SlashError:
    framework: str | None = None
    users: list[str] = []
    deadline: date | None = None
    lang: str | None = None
    min_responses: int | None = None
    every: Cadence | None = None
    i = 0
    while i < len(words):
        word = words[i]
        if option := _OPTION.match(word):
            name, value = option.group(1), option.group(2)
            if value is None:
                if i + 1 >= len(words):
                    return SlashError("slash_option_value", {"option": f"--{name}"})
                i += 1
                value = words[i]
            if name == "deadline":
                try:
                    deadline = date.fromisoformat(value)
                except ValueError:
                    return SlashError("slash_bad_deadline", {"value": value[:40]})
            elif name == "lang":
                if value not in LANGUAGES:
                    return SlashError("slash_bad_lang", {"value": value[:10]})
                lang = value
            elif name == "min-responses":
                min_responses = min_responses_value(value)
                if min_responses is None:
                    return min_responses_error(value)
            elif name == "every":
                if value.isascii() and value.isdigit() and i + 1 < len(words):
                    i += 1  # "--every 2 weeks"
                    value = f"{value} {words[i]}"
                every = parse_cadence(value)
                if every is None:
                    return SlashError("slash_bad_every", {"value": value[:40]})
            else:
                return SlashError("slash_unknown_option", {"option": f"--{name}"[:40]})
        elif mention := _MENTION.match(word):
            if mention.group(1) not in users:
                users.append(mention.group(1))
        elif word.startswith(("@", "<")):
            return SlashError("slash_bad_mention", {"word": word[:40]})
        elif framework is None:
            framework = word.lower()
        else:
            return SlashError("slash_extra_word", {"word": word[:40]})
        i += 1
    if framework is None and (users or deadline or lang or min_responses or every):
        return SlashError("slash_framework_missing")
    return SlashCommand(Sub.START, framework, tuple(users), deadline, lang, min_responses, every)
