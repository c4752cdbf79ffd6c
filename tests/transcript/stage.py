"""The cast, the room, and the stage the steps act on: what people see and how they act on it.

A person acts on what they see: a button or menu option is found by its label (or an
``action_id`` prefix) in the newest message of theirs that has it, so a script survives
redesigns of the blocks; a step that cannot be performed fails naming what was missing and
what was offered instead.
"""

from __future__ import annotations

import itertools
import json
import re
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from tests.blockkit import Names, interactive_label, render_blocks, slack_text
from tests.fakeslack import BOT_NAME, BOT_USER_ID, TEAM_ID
from tests.handlers.conftest import Harness
from tests.slack_requests import APP_ID, FORM, SlackRequest, slash_command, view_submission
from tests.transcript.recording import JSONDict, Kind, RecordingSlack

_MENTION = re.compile(r"@(\w+)")


class StepFailed(Exception):
    """A step of the script could not be performed on what the person saw."""


@dataclass(frozen=True)
class Person:
    """Someone in the workspace, as Slack's ``users.info`` describes them."""

    user_id: str
    name: str
    locale: str
    tz: str
    role: str
    participant: bool = True

    @property
    def handle(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Room:
    """The channel where the round runs."""

    channel_id: str
    name: str


def directory(cast: Sequence[Person], room: Room) -> dict[str, str]:
    """What Slack shows for each user and channel id."""
    return {BOT_USER_ID: BOT_NAME, room.channel_id: room.name} | {p.user_id: p.name for p in cast}


class Did(StrEnum):
    TAP = "tap"
    TYPE = "type"  # a DM to the app
    COMMAND = "command"
    OPEN = "open"  # the Home tab


@dataclass(frozen=True)
class Act:
    """Something a person did in a step of the script."""

    step: int
    user_id: str
    did: Did


@dataclass(frozen=True)
class Shown:
    """A message a person can act on, as it looks now."""

    channel: str
    ts: str
    text: str
    blocks: list[JSONDict]
    ephemeral: bool


@dataclass(frozen=True)
class Target:
    """An interactive element found by its label: a button, or an option of a menu."""

    message: Shown
    block_id: str
    element: JSONDict
    option: JSONDict | None = None


class Stage:
    """The running app, the fake Slack, the cast and the room; the steps act through it."""

    def __init__(
        self, harness: Harness, slack: RecordingSlack, cast: Sequence[Person], room: Room
    ) -> None:
        self.harness, self.slack, self.cast, self.room = harness, slack, cast, room
        self._names = directory(cast, room)
        self._triggers = itertools.count(1)
        self.acts: tuple[Act, ...] = ()

    def _note(self, person: Person, did: Did) -> None:
        self.acts += (Act(self.slack.step, person.user_id, did),)

    def names(self, some_id: str) -> str:
        """What Slack shows for a user or channel id."""
        return self._names.get(some_id, some_id)

    def mentions(self, text: str) -> str:
        """``@Ana`` as Slack sends a mention in a command (``<@U1|ana>``)."""
        by_name = {p.name.casefold(): p for p in self.cast}

        def escaped(match: re.Match[str]) -> str:
            person = by_name.get(match.group(1).casefold())
            return f"<@{person.user_id}|{person.handle}>" if person else match.group(0)

        return _MENTION.sub(escaped, text)

    def messages(self, person: Person) -> list[Shown]:
        """What the person can act on, newest first: their DM and their ephemeral messages."""
        dm = f"D{person.user_id}"
        shown = [
            (m["ts"], Shown(dm, m["ts"], m.get("text", ""), m.get("blocks") or [], False))
            for m in self.slack.messages(dm)
        ]
        shown += [
            (s.ts, Shown(s.where, s.ts, s.text, s.blocks, True))
            for s in self.slack.feed
            if s.reader == person.user_id and s.kind is Kind.EPHEMERAL
        ]
        return [s for _, s in sorted(shown, key=lambda pair: pair[0], reverse=True)]

    def room_messages(self) -> list[Shown]:
        """What everyone in the room can act on, newest first: the channel's messages."""
        channel = self.room.channel_id
        shown = [
            Shown(channel, m["ts"], m.get("text", ""), m.get("blocks") or [], False)
            for m in self.slack.messages(channel)
        ]
        return sorted(shown, key=lambda message: message.ts, reverse=True)

    def find(
        self,
        person: Person,
        label: str | None,
        nth: int | None,
        action: str | None,
        *,
        in_room: bool = False,
    ) -> Target:
        """What the person means by ``label`` (see `find_target`), in their own messages or,
        ``in_room``, in the channel's."""
        messages = self.room_messages() if in_room else self.messages(person)
        return find_target(messages, person.name, label, nth, action, self.names)

    def offers(self, person: Person, label: str) -> bool:
        """Whether the person's newest message with something to click offers [``label``]."""
        for message in self.messages(person):
            targets = list(_targets(message))
            if targets:
                return any(_fits(t, label, None, self.names) for t in targets)
        return False

    def message_with(self, person: Person, words: str) -> Shown:
        """The newest message of the person's whose text shows ``words``."""
        for message in self.messages(person):
            if words.casefold() in "\n".join(_lines(message, self.names)).casefold():
                return message
        raise StepFailed(f"no message in {person.name}'s DM shows “{words}”")

    async def command(self, person: Person, text: str) -> None:
        """``/cx-assess …`` typed in the room (text after the command name)."""
        request = slash_command(
            self.mentions(text),
            user=person.user_id,
            team=TEAM_ID,
            channel=self.room.channel_id,
            response_url=self.slack.response_url(f"{person.user_id}/{self.room.channel_id}"),
            trigger_id=f"trigger-{next(self._triggers)}",
        )
        self._note(person, Did.COMMAND)
        await self._send(request)

    async def act(self, person: Person, target: Target) -> None:
        """The ``block_actions`` request Slack sends when the person uses ``target``."""
        element = target.element
        action: JSONDict = {
            "type": element["type"],
            "action_id": element.get("action_id", ""),
            "block_id": target.block_id,
            "action_ts": "1764064800.000000",
        }
        if target.option is not None:
            action["selected_option"] = target.option
        else:
            action |= {"text": element.get("text"), "value": element.get("value", "")}
        message = target.message
        payload = {
            "type": "block_actions",
            "user": {"id": person.user_id, "team_id": TEAM_ID},
            "team": {"id": TEAM_ID},
            "api_app_id": APP_ID,
            "container": {
                "type": "message",
                "channel_id": message.channel,
                "message_ts": message.ts,
                "is_ephemeral": message.ephemeral,
            },
            "channel": {"id": message.channel},
            "message": {"ts": message.ts, "text": message.text, "blocks": message.blocks},
            "response_url": self.slack.response_url(f"{person.user_id}/{message.channel}")
            if message.ephemeral
            else self.slack.message_response_url(message.channel, message.ts, TEAM_ID),
            "trigger_id": f"trigger-{person.user_id}-{message.ts}",
            "actions": [action],
        }
        body = "payload=" + urllib.parse.quote(json.dumps(payload))
        self._note(person, Did.TAP)
        await self._send(SlackRequest(body, FORM))

    async def submit(self, person: Person, changes: JSONDict) -> None:
        """The ``view_submission`` of the newest form opened: its initial values, ``changes``
        (block id -> the element's state) applied."""
        view = self.slack.calls_to("views.open", ok_only=True)[-1].params["view"]
        values = {
            block["block_id"]: {"value": _initial(block["element"])}
            for block in view["blocks"]
            if block["type"] == "input"
        }
        values |= {block: {"value": state} for block, state in changes.items()}
        self._note(person, Did.TAP)
        await self._send(view_submission(person.user_id, TEAM_ID, view, values))

    async def dm(self, person: Person, text: str, thread_ts: str | None) -> None:
        """The ``message.im`` event of the person writing to the app."""
        self._note(person, Did.TYPE)
        await self._check(await self.harness.dm(person.user_id, text, thread_ts))

    async def write_in_room(self, person: Person, text: str, thread: str) -> None:
        """The ``message.channels`` event of the person writing in the channel, in the thread
        of the newest message there that shows ``thread``."""
        for message in self.room_messages():
            if thread.casefold() in "\n".join(_lines(message, self.names)).casefold():
                break
        else:
            raise StepFailed(f"no message in #{self.room.name} shows “{thread}”")
        self._note(person, Did.TYPE)
        event = self.slack.person_writes(self.room.channel_id, person.user_id, text, message.ts)
        await self._check(await self.harness.event(event))

    async def open_home(self, person: Person) -> None:
        """The ``app_home_opened`` event of the person opening the app's Home tab."""
        self._note(person, Did.OPEN)
        event = {"type": "app_home_opened", "user": person.user_id, "tab": "home"}
        await self._check(await self.harness.event(event))

    async def _send(self, request: SlackRequest) -> None:
        await self._check(await self.harness.send(request))

    @staticmethod
    async def _check(status: int) -> None:
        if status != 200:
            raise StepFailed(f"the app answered HTTP {status}")


def find_target(
    messages: Sequence[Shown],
    who: str,
    label: str | None,
    nth: int | None = None,
    action: str | None = None,
    names: Names = str,
) -> Target:
    """The element labelled ``label`` (and/or with an ``action_id`` starting with ``action``)
    in the first of ``messages`` (newest first) that has one; the ``nth`` when it has several.

    Raises `StepFailed` naming what was wanted and what the newest message offered instead.
    """
    wanted = f"[{label}]" if label else f"an element whose action_id starts with {action}"
    offered = ""
    for message in messages:
        targets = list(_targets(message))
        offered = offered or " ".join(_label(t, names) for t in targets)
        found = [t for t in targets if _fits(t, label, action, names)]
        if not found:
            continue
        if nth is None and len(found) > 1:
            raise StepFailed(
                f"{who} cannot click {wanted}: {len(found)} elements of the message "
                f"“{_first_line(message, names)}” fit; say which with nth= or action="
            )
        if (nth or 1) > len(found):
            raise StepFailed(f"{who} cannot click {wanted} number {nth}: there are {len(found)}")
        return found[(nth or 1) - 1]
    raise StepFailed(
        f"{who} cannot click {wanted}: no message of theirs offers it; "
        f"the newest offers {offered or 'nothing to click'}"
    )


def _targets(message: Shown) -> Iterator[Target]:
    for block in message.blocks:
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("type") == "button":
                yield Target(message, str(block.get("block_id", "")), element)
            for option in element.get("options") or []:
                yield Target(message, str(block.get("block_id", "")), element, option)


def _label(target: Target, names: Names) -> str:
    if target.option is not None:
        return f"[{slack_text(str(target.option['text']['text']), names)} ▾]"
    return f"[{interactive_label(target.element, names)}]"


def _fits(target: Target, label: str | None, action: str | None, names: Names) -> bool:
    if action is not None and not str(target.element.get("action_id", "")).startswith(action):
        return False
    return label is None or _label(target, names).strip("[]▾ ").casefold() == label.casefold()


def _lines(message: Shown, names: Names) -> list[str]:
    return render_blocks(message.blocks, names) if message.blocks else [message.text]


def _first_line(message: Shown, names: Names) -> str:
    return next(iter(_lines(message, names)), "")[:60]


def _initial(element: JSONDict) -> JSONDict:
    """An input element's state as Slack sends it when the person leaves it as it was shown."""
    kind = element["type"]
    state: JSONDict = {"type": kind}
    initial = {
        "plain_text_input": ("value", "initial_value"),
        "number_input": ("value", "initial_value"),
        "users_select": ("selected_user", "initial_user"),
        "multi_users_select": ("selected_users", "initial_users"),
        "datepicker": ("selected_date", "initial_date"),
        "static_select": ("selected_option", "initial_option"),
    }
    if kind in initial:
        key, source = initial[kind]
        state[key] = element.get(source)
    return state
