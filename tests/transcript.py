"""Plays a script of people's actions against the real app and writes down everything they saw.

The app runs as in production: Bolt over HTTP on loopback, signed requests, and the fake Slack
Web API server of `tests.fakeslack`, which here also records every message per reader (a
person's DM and the messages only they see, or a channel) with the step that caused it. People
act on what they see: a button or menu option is found by its label (or an ``action_id``
prefix) in the newest message of theirs that has it, so a script survives redesigns of the
blocks; a step that cannot be performed fails naming what was missing and what was offered.
`render` turns the record into Markdown; `tests.walkthrough` holds the script.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import statistics
import tempfile
import textwrap
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import build_app
from bot.config import Settings
from bot.frameworks import load_catalog
from bot.server import web_app
from bot.store import Store
from tests.blockkit import Names, interactive_label, render_blocks, slack_text
from tests.fakeslack import BOT_NAME, BOT_USER_ID, TEAM_ID, FakeSlack
from tests.handlers.conftest import SECRET, Clock, Harness
from tests.slack_requests import APP_ID, FORM, SlackRequest, slash_command

JSONDict = dict[str, Any]
WIDTH = 100
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


# ---------------------------------------------------------------------- what people saw


class Kind(StrEnum):
    POST = "post"
    UPDATE = "update"
    EPHEMERAL = "ephemeral"
    FILE = "file"
    VIEW = "view"
    HOME = "home"


@dataclass(frozen=True)
class Seen:
    """One thing the app showed to ``reader`` (a user id, or a channel id: all its members)."""

    step: int
    reader: str
    kind: Kind
    text: str
    blocks: list[JSONDict] = field(default_factory=list)
    ts: str = ""
    thread_ts: str = ""
    where: str = ""  # the conversation an ephemeral message shows in
    file: str = ""


class RecordingSlack(FakeSlack):
    """The fake Slack, also keeping every message, update, file and view in `feed`, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.feed: list[Seen] = []
        self.step = 0
        self.actor = ""  # whoever acts in the current step (a views.open names no user)

    def _reader(self, channel_id: str) -> str:
        channel = self.channels[channel_id]
        return (channel.user or channel_id) if channel.is_im else channel_id

    def _see(self, kind: Kind, channel_id: str, message: JSONDict) -> None:
        self.feed.append(
            Seen(
                self.step,
                self._reader(channel_id),
                kind,
                str(message.get("text") or ""),
                list(message.get("blocks") or []),
                ts=str(message["ts"]),
                thread_ts=str(message.get("thread_ts") or ""),
            )
        )

    def _chat_post_message(self, params: JSONDict) -> JSONDict:
        result = super()._chat_post_message(params)
        self._see(Kind.POST, result["channel"], result["message"])
        return result

    def _chat_update(self, params: JSONDict) -> JSONDict:
        result = super()._chat_update(params)
        self._see(Kind.UPDATE, result["channel"], result["message"])
        return result

    def _chat_post_ephemeral(self, params: JSONDict) -> JSONDict:
        result = super()._chat_post_ephemeral(params)
        shown = self.ephemerals[-1]
        self.feed.append(
            Seen(
                self.step,
                shown["user"],
                Kind.EPHEMERAL,
                shown["text"],
                list(shown.get("blocks") or []),
                ts=result["message_ts"],
                where=shown["channel"],
            )
        )
        return result

    def _files_complete_upload_external(self, params: JSONDict) -> JSONDict:
        result = super()._files_complete_upload_external(params)
        for shared in result["files"]:
            record = self.files[shared["id"]]
            for channel_id in shared["channels"]:
                self.feed.append(
                    Seen(
                        self.step,
                        self._reader(channel_id),
                        Kind.FILE,
                        str(record.get("initial_comment") or ""),
                        thread_ts=str(record.get("thread_ts") or ""),
                        file=f"{record['name']} · “{record['title']}”",
                    )
                )
        return result

    def _views_open(self, params: JSONDict) -> JSONDict:
        result = super()._views_open(params)
        view = result["view"]
        title = str((view.get("title") or {}).get("text", ""))
        self.feed.append(Seen(self.step, self.actor, Kind.VIEW, title, view["blocks"]))
        return result

    def _views_publish(self, params: JSONDict) -> JSONDict:
        result = super()._views_publish(params)
        user = str(params["user_id"])
        self.feed.append(Seen(self.step, user, Kind.HOME, "", result["view"]["blocks"]))
        return result

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        response = await super()._handle_response_url(request)
        user, _, where = request.match_info["name"].partition("/")
        payload = self.responses[-1]
        reader = where if payload.get("response_type") == "in_channel" else user
        kind = Kind.POST if reader == where else Kind.EPHEMERAL
        text, blocks = str(payload.get("text") or ""), list(payload.get("blocks") or [])
        self.feed.append(Seen(self.step, reader, kind, text, blocks, self._next_ts(), where=where))
        return response


# ---------------------------------------------------------------------- the stage


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

    def find(
        self, person: Person, label: str | None, nth: int | None, action: str | None
    ) -> Target:
        """What the person means by ``label`` (see `find_target`)."""
        return find_target(self.messages(person), person.name, label, nth, action, self.names)

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
            "response_url": self.slack.response_url(f"{person.user_id}/{message.channel}"),
            "trigger_id": f"trigger-{person.user_id}-{message.ts}",
            "actions": [action],
        }
        body = "payload=" + urllib.parse.quote(json.dumps(payload))
        await self._send(SlackRequest(body, FORM))

    async def dm(self, person: Person, text: str, thread_ts: str | None) -> None:
        """The ``message.im`` event of the person writing to the app."""
        await self._check(await self.harness.dm(person.user_id, text, thread_ts))

    async def event(self, event: JSONDict) -> None:
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


# ---------------------------------------------------------------------- steps


class Step:
    """Something someone does (or the clock does); `taps` and `typed` count toward the table."""

    actor: Person | None

    @property
    def taps(self) -> int:
        return 0

    @property
    def typed(self) -> int:
        return 0

    @property
    def quiet(self) -> bool:
        """Counted, but its messages are not shown in full."""
        return False

    def describe(self) -> str:
        raise NotImplementedError

    def brief(self) -> str:
        """The step in a few characters, inside a `Together`."""
        return self.describe()

    def parts(self) -> Sequence[Step]:
        return (self,)

    async def run(self, stage: Stage) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Types(Step):
    """The person types ``text``: a ``/cx-assess`` command in the room, or a DM to the app
    (in the thread of the newest message showing ``thread``, when given)."""

    actor: Person
    text: str
    thread: str | None = None

    @property
    def command(self) -> bool:
        return self.text.startswith("/")

    @property
    def typed(self) -> int:
        return 0 if self.command else 1

    def describe(self) -> str:
        if self.command:
            return f"{self.actor.name} types `{self.text}`"
        if self.thread:
            return f"{self.actor.name} replies in the thread of “{self.thread}”: “{self.text}”"
        return f"{self.actor.name} types “{self.text}”"

    def brief(self) -> str:
        return f"`{self.text}`" if self.command else f"“{self.text}”"

    async def run(self, stage: Stage) -> None:
        if self.command:
            name, _, rest = self.text.partition(" ")
            if name != "/cx-assess":
                raise StepFailed(f"unknown command {name}")
            await stage.command(self.actor, rest)
            return
        thread_ts = stage.message_with(self.actor, self.thread).ts if self.thread else None
        await stage.dm(self.actor, self.text, thread_ts)


@dataclass(frozen=True)
class Clicks(Step):
    """The person clicks the button (or picks the menu option) labelled ``label``; ``nth`` when
    the message has several, ``action`` to require an ``action_id`` prefix."""

    actor: Person
    label: str | None
    nth: int | None = None
    action: str | None = None

    @property
    def taps(self) -> int:
        return 1

    def describe(self) -> str:
        return f"{self.actor.name} clicks {self.brief()}"

    def brief(self) -> str:
        return f"[{self.label or self.action}]"

    async def run(self, stage: Stage) -> None:
        await stage.act(self.actor, stage.find(self.actor, self.label, self.nth, self.action))


@dataclass(frozen=True)
class OpensHome(Step):
    """The person opens the app's Home tab."""

    actor: Person

    def describe(self) -> str:
        return f"{self.actor.name} opens the app's Home tab"

    async def run(self, stage: Stage) -> None:
        event = {"type": "app_home_opened", "user": self.actor.user_id, "tab": "home"}
        await stage.event(event)


@dataclass(frozen=True)
class ClockAt(Step):
    """Time passes to ``moment``; the app's minute tick runs (deadlines, reminders)."""

    moment: datetime
    note: str
    actor: None = None

    def describe(self) -> str:
        return f"{self.moment:%a %Y-%m-%d %H:%M} UTC, {self.note}: the app's clock ticks"

    async def run(self, stage: Stage) -> None:
        stage.harness.clock.now = self.moment
        await stage.harness.deps.rounds.tick()


@dataclass(frozen=True)
class Together(Step):
    """Several steps told as one: counted, but their messages are not shown in full."""

    summary: str
    steps: tuple[Step, ...]
    actor: None = None

    @property
    def quiet(self) -> bool:
        return True

    def describe(self) -> str:
        return f"{self.summary}: {', '.join(s.brief() for s in self.steps)}"

    def parts(self) -> Sequence[Step]:
        return self.steps

    async def run(self, stage: Stage) -> None:
        for step in self.steps:
            stage.slack.actor = step.actor.user_id if step.actor else ""
            await step.run(stage)


# ---------------------------------------------------------------------- playing the script


@dataclass(frozen=True)
class Transcript:
    cast: tuple[Person, ...]
    room: Room
    steps: tuple[Step, ...]
    feed: tuple[Seen, ...]

    @property
    def names(self) -> dict[str, str]:
        return directory(self.cast, self.room)


def directory(cast: Sequence[Person], room: Room) -> dict[str, str]:
    """What Slack shows for each user and channel id."""
    return {BOT_USER_ID: BOT_NAME, room.channel_id: room.name} | {p.user_id: p.name for p in cast}


def workspace(slack: FakeSlack, cast: Sequence[Person], room: Room) -> None:
    for person in cast:
        slack.add_user(person.user_id, name=person.handle, locale=person.locale, tz=person.tz)
    slack.add_channel(room.channel_id, [p.user_id for p in cast], name=room.name)


async def play(
    script: Sequence[Step], cast: Sequence[Person], room: Room, start: datetime
) -> Transcript:
    """Run the app against a fresh fake Slack and database, perform ``script``, keep the record."""
    clock = Clock(start.astimezone(UTC))
    with tempfile.TemporaryDirectory() as tmp:
        async with RecordingSlack() as slack:
            workspace(slack, cast, room)
            settings = Settings(
                db_path=str(Path(tmp) / "walkthrough.db"),
                slack_bot_token="xoxb-walkthrough",
                slack_signing_secret=SECRET,
                slack_api_url=slack.api_url,
            )
            async with Store.open(settings.db_path) as store, aiohttp.ClientSession() as session:
                app, deps = build_app(settings, load_catalog(), store, clock=clock, session=session)
                runner = web.AppRunner(web_app(app, deps))
                await runner.setup()
                await web.TCPSite(runner, "127.0.0.1", 0).start()
                url = f"http://127.0.0.1:{runner.addresses[0][1]}"
                try:
                    async with aiohttp.ClientSession() as http:
                        stage = Stage(Harness(slack, deps, url, http, clock), slack, cast, room)
                        for number, step in enumerate(script, 1):
                            slack.step = number
                            slack.actor = step.actor.user_id if step.actor else ""
                            try:
                                await step.run(stage)
                            except StepFailed as exc:
                                raise StepFailed(
                                    f"step {number} ({step.describe()}): {exc}"
                                ) from None
                finally:
                    await runner.cleanup()
            return Transcript(tuple(cast), room, tuple(script), tuple(slack.feed))


# ---------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class Counts:
    """What one reader received and did."""

    received: int
    updated: int
    taps: int
    typed: int
    sizes: tuple[int, ...]
    total: int

    def row(self, who: str) -> str:
        low, mid, high = (
            (min(self.sizes), statistics.median(self.sizes), max(self.sizes))
            if self.sizes
            else (0, 0, 0)
        )
        return (
            f"| {who} | {self.received} | {self.updated} | {self.taps} | {self.typed} "
            f"| {low} / {mid:.0f} / {high} | {self.total:,} |"
        )


class Renderer:
    """The transcript as Markdown: counts, the script, then each reader's messages in order."""

    def __init__(self, transcript: Transcript, counted: int) -> None:
        self.t, self.counted = transcript, counted
        self._names = transcript.names

    def name(self, some_id: str) -> str:
        return self._names.get(some_id, some_id)

    def lines_of(self, seen: Seen) -> list[str]:
        """The message as text (unwrapped)."""
        if seen.kind is Kind.FILE:
            return [f"📎 {seen.file}", *([slack_text(seen.text, self.name)] if seen.text else [])]
        if seen.blocks:
            return render_blocks(seen.blocks, self.name)
        return slack_text(seen.text, self.name).split("\n")

    def counts(self, person: Person) -> Counts:
        feed = [s for s in self.t.feed if s.reader == person.user_id and s.step <= self.counted]
        new = [s for s in feed if s.kind not in (Kind.UPDATE, Kind.HOME, Kind.VIEW)]
        updated = [s for s in feed if s.kind is Kind.UPDATE]
        steps = self.t.steps[: self.counted]
        mine = [p for s in steps for p in s.parts() if p.actor == person]
        sizes = tuple(len("\n".join(self.lines_of(s))) for s in new)
        return Counts(
            received=len(new),
            updated=len(updated),
            taps=sum(p.taps for p in mine),
            typed=sum(p.typed for p in mine),
            sizes=sizes,
            total=sum(sizes) + sum(len("\n".join(self.lines_of(s))) for s in updated),
        )

    def counts_table(self) -> list[str]:
        lines = [
            "| who | messages received | updated in place | taps | typed | characters per "
            "message: min / median / max | characters in all |",
            "|---|---|---|---|---|---|---|",
        ]
        for person in self.t.cast:
            if person.participant:
                lines.append(self.counts(person).row(f"{person.name} ({person.role})"))
        return lines

    def script(self) -> list[str]:
        return [
            f"{n}. {_md_inline(step.describe())}" + (" *(not shown in full)*" if step.quiet else "")
            for n, step in enumerate(self.t.steps, 1)
        ]

    def reader(self, reader: str, actor: Person | None) -> list[str]:
        """Everything ``reader`` saw, step by step, in a text block."""
        numbers: dict[str, int] = {}
        out = ["```text"]
        for n, step in enumerate(self.t.steps, 1):
            feed = [s for s in self.t.feed if s.step == n and s.reader == reader]
            acting = actor is not None and any(p.actor == actor for p in step.parts())
            if not feed and not acting:
                continue
            out.append(f"── {n} · {step.describe()}")
            if step.quiet:
                if feed:
                    out.append(f"      ({_tally(feed)}: not shown)")
                continue
            for seen in feed:
                out += self.entry(seen, numbers)
        out.append("```")
        return out

    def entry(self, seen: Seen, numbers: dict[str, int]) -> list[str]:
        lines = self.lines_of(seen)
        if seen.kind is Kind.UPDATE:
            number = numbers.get(seen.ts, 0)
            head, lines = f"✎ {number:>2}", [f"(message {number}, updated)", *lines]
        elif seen.kind is Kind.VIEW:
            head, lines = "▣   ", [f"(a form opens: {seen.text})", *lines]
        elif seen.kind is Kind.HOME:
            head, lines = "⌂   ", ["(the app's Home tab)", *lines]
        else:
            numbers[seen.ts or f"file-{len(numbers)}"] = number = len(numbers) + 1
            head = f"{'◌' if seen.kind is Kind.EPHEMERAL else '●'} {number:>2}"
            if seen.kind is Kind.EPHEMERAL:
                lines = [f"(only you see this, in #{self.name(seen.where)})", *lines]
        indent = "      ↳ " if seen.thread_ts and seen.thread_ts != seen.ts else ""
        return _wrap(lines, f"{indent}{head}  ")


def _tally(feed: Sequence[Seen]) -> str:
    new = sum(s.kind is not Kind.UPDATE for s in feed)
    updated = len(feed) - new
    parts = [f"{new} new message{'s' * (new != 1)}"] if new else []
    parts += [f"{updated} updated"] if updated else []
    return ", ".join(parts)


def _wrap(lines: Sequence[str], head: str) -> list[str]:
    """Lines wrapped to `WIDTH`; the first starts with ``head``, the rest are indented to it."""
    pad = " " * len(head)
    out: list[str] = []
    for line in lines or [""]:
        lead = line[: len(line) - len(line.lstrip())]
        wrapped = textwrap.wrap(
            line,
            WIDTH - len(pad),
            subsequent_indent=lead + "  " if line.lstrip().startswith(("•", "-")) else lead,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [""]
        out += [pad + w for w in wrapped]
    out[0] = head + out[0][len(pad) :]
    return [line.rstrip() for line in out]


def _md_inline(text: str) -> str:
    """Text for a Markdown list item: emphasis marks escaped outside `code` spans."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("*", "\\*").replace("_", "\\_")
    return "`".join(parts)


def render(
    transcript: Transcript, *, title: str, intro: str, legend: str, counted: int, scope: str
) -> str:
    """The whole document; the counts cover the first ``counted`` steps (``scope``)."""
    r = Renderer(transcript, counted)
    participants = [p for p in transcript.cast if p.participant]
    others = [p for p in transcript.cast if not p.participant]
    out = [f"# {title}", "", intro.strip(), "", "## Counts", ""]
    out += [f"Per participant, steps 1–{counted} ({scope}):", "", *r.counts_table(), ""]
    out += ["## The cast", "", "| who | Slack locale | time zone | role |", "|---|---|---|---|"]
    out += [f"| {p.name} | {p.locale} | {p.tz} | {p.role} |" for p in transcript.cast]
    out += ["", "## The script", "", *r.script(), "", "## How to read the transcripts", ""]
    out += [legend.strip(), ""]
    for person in [*participants, *others]:
        out += [f"## {person.name}, {person.role} ({person.locale})", ""]
        out += [*r.reader(person.user_id, person), ""]
    out += [f"## #{transcript.room.name}: what everyone in the channel sees", ""]
    out += [*r.reader(transcript.room.channel_id, None)]
    return "\n".join(out).rstrip() + "\n"


def run(
    script: Sequence[Step],
    cast: Sequence[Person],
    room: Room,
    start: datetime,
) -> Transcript:
    """`play` in a fresh event loop."""
    return asyncio.run(play(script, cast, room, start))
