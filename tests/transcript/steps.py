"""What people (and the clock) do in a script, and playing a script against the real app."""

from __future__ import annotations

import asyncio
import itertools
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

from bot.app import build_app
from bot.config import Settings
from bot.frameworks import load_catalog
from bot.server import web_app
from bot.storage import Store
from tests.fakeslack import FakeSlack
from tests.handlers.conftest import SECRET, Clock, Harness
from tests.transcript.recording import JSONDict, RecordingSlack, Seen
from tests.transcript.stage import Act, Person, Room, Stage, StepFailed, directory


class Step:
    """Something someone (or the clock) does; the stage records each tap, reply and command."""

    actor: Person | None

    @property
    def quiet(self) -> bool:
        """Counted, but its messages are not shown in full."""
        return False

    def describe(self) -> str:
        raise NotImplementedError

    async def run(self, stage: Stage) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Types(Step):
    """The person types ``text``: a ``/cx-assess`` command in the room, or a DM to the app
    (in the thread of the newest message showing ``thread``, when given)."""

    actor: Person
    text: str
    thread: str | None = None

    def describe(self) -> str:
        if self.text.startswith("/"):
            return f"{self.actor.name} types `{self.text}`"
        if self.thread:
            return f"{self.actor.name} replies in the thread of “{self.thread}”: “{self.text}”"
        return f"{self.actor.name} types “{self.text}”"

    async def run(self, stage: Stage) -> None:
        if self.text.startswith("/"):
            name, _, rest = self.text.partition(" ")
            if name != "/cx-assess":
                raise StepFailed(f"unknown command {name}")
            await stage.command(self.actor, rest)
            return
        thread_ts = stage.message_with(self.actor, self.thread).ts if self.thread else None
        await stage.dm(self.actor, self.text, thread_ts)


@dataclass(frozen=True)
class TypesUntil(Step):
    """The person types ``replies`` in turn (from the first again when they run out) until
    their newest message offers [``until``]: however many questions the app asks."""

    actor: Person
    summary: str
    replies: Sequence[str]
    until: str
    limit: int = 100

    @property
    def quiet(self) -> bool:
        return True

    def describe(self) -> str:
        replies = ", ".join(f"“{reply}”" for reply in self.replies)
        return f"{self.summary}: {replies}, until [{self.until}] appears"

    async def run(self, stage: Stage) -> None:
        for reply in itertools.islice(itertools.cycle(self.replies), self.limit):
            if stage.offers(self.actor, self.until):
                return
            await stage.dm(self.actor, reply, None)
        if not stage.offers(self.actor, self.until):
            raise StepFailed(f"[{self.until}] did not appear after {self.limit} replies")


@dataclass(frozen=True)
class Clicks(Step):
    """The person clicks the button (or picks the menu option) labelled ``label``; ``nth`` when
    the message has several, ``action`` to require an ``action_id`` prefix."""

    actor: Person
    label: str | None
    nth: int | None = None
    action: str | None = None
    in_room: bool = False
    """On a message in the channel (else on one of their own)."""

    def describe(self) -> str:
        where = " in the channel" if self.in_room else ""
        return f"{self.actor.name} clicks [{self.label or self.action}]{where}"

    async def run(self, stage: Stage) -> None:
        target = stage.find(self.actor, self.label, self.nth, self.action, in_room=self.in_room)
        await stage.act(self.actor, target)


@dataclass(frozen=True)
class Submits(Step):
    """The person submits the form they opened last, leaving it as shown except ``changes``
    (block id -> the element's state, as Slack sends it), which ``summary`` tells in words."""

    actor: Person
    summary: str
    changes: dict[str, JSONDict] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.actor.name} submits the form: {self.summary}"

    async def run(self, stage: Stage) -> None:
        await stage.submit(self.actor, self.changes)


@dataclass(frozen=True)
class Discusses(Step):
    """The person writes ``text`` in the channel, in the thread of the newest message there
    that shows ``thread`` (a discussion thread: not anonymous)."""

    actor: Person
    thread: str
    text: str

    def describe(self) -> str:
        return f"{self.actor.name} replies in the channel, in the thread of “{self.thread}”: “{self.text}”"

    async def run(self, stage: Stage) -> None:
        await stage.write_in_room(self.actor, self.text, self.thread)


@dataclass(frozen=True)
class OpensHome(Step):
    """The person opens the app's Home tab."""

    actor: Person

    def describe(self) -> str:
        return f"{self.actor.name} opens the app's Home tab"

    async def run(self, stage: Stage) -> None:
        await stage.open_home(self.actor)


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
class Transcript:
    """A played script: who, where, what they did, and everything the app showed."""

    cast: tuple[Person, ...]
    room: Room
    steps: tuple[Step, ...]
    feed: tuple[Seen, ...]
    acts: tuple[Act, ...]

    @property
    def names(self) -> dict[str, str]:
        return directory(self.cast, self.room)


def workspace(slack: FakeSlack, cast: Sequence[Person], room: Room) -> None:
    """The cast as Slack users (locale and time zone as ``users.info`` tells), all in the room."""
    for person in cast:
        slack.add_user(person.user_id, name=person.handle, locale=person.locale, tz=person.tz)
    slack.add_channel(room.channel_id, [p.user_id for p in cast], name=room.name)


@asynccontextmanager
async def serving(slack: FakeSlack, db_path: Path, clock: Clock) -> AsyncIterator[Harness]:
    """The app on loopback, wired to ``slack``, a fresh database and ``clock``."""
    settings = Settings(
        database=str(db_path),
        slack_bot_token="xoxb-walkthrough",
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
    )
    async with Store.open(settings.database) as store, aiohttp.ClientSession() as session:
        app, deps = build_app(settings, load_catalog(), store, clock=clock, session=session)
        runner = web.AppRunner(web_app(app, deps))
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            url = f"http://127.0.0.1:{runner.addresses[0][1]}"
            async with aiohttp.ClientSession() as http:
                yield Harness(slack, deps, url, http, clock)
        finally:
            await runner.cleanup()


async def play(
    script: Sequence[Step], cast: Sequence[Person], room: Room, start: datetime
) -> Transcript:
    """Run the app against a fresh fake Slack and database, perform ``script``, keep the record."""
    with tempfile.TemporaryDirectory() as tmp:
        async with RecordingSlack() as slack:
            workspace(slack, cast, room)
            clock = Clock(start.astimezone(UTC))
            async with serving(slack, Path(tmp) / "walkthrough.db", clock) as harness:
                stage = Stage(harness, slack, cast, room)
                for number, step in enumerate(script, 1):
                    slack.step = number
                    slack.actor = step.actor.user_id if step.actor else ""  # for views.open
                    try:
                        await step.run(stage)
                    except StepFailed as exc:
                        raise StepFailed(f"step {number} ({step.describe()}): {exc}") from None
            return Transcript(tuple(cast), room, tuple(script), tuple(slack.feed), stage.acts)


def run(
    script: Sequence[Step],
    cast: Sequence[Person],
    room: Room,
    start: datetime,
) -> Transcript:
    """`play` in a fresh event loop."""
    return asyncio.run(play(script, cast, room, start))
