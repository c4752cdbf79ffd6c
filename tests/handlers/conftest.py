"""End-to-end harness: the real app over HTTP on loopback, signed requests, the fake Slack."""

from __future__ import annotations

import functools
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.request.internals import parse_body

from bot.app import build_app
from bot.config import Settings
from bot.deps import Deps
from bot.frameworks import Catalog, load_catalog
from bot.handlers.middleware import click_key, kept_click
from bot.server import EVENTS_PATH, drain, web_app
from bot.storage import Store
from tests.fakeslack import FakeSlack
from tests.slack_requests import (
    SlackRequest,
    block_actions,
    dm_message,
    event_callback,
    org_wide,
    signed_headers,
    slash_command,
)

SECRET = "test-signing-secret"
TEAM = "T0001"
CHANNEL = "C0001"


@dataclass
class Clock:
    """A settable clock for deadlines and reminders."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Harness:
    slack: FakeSlack
    deps: Deps
    url: str
    http: aiohttp.ClientSession
    clock: Clock
    _event_seq: int = 0
    team: str = TEAM  # the workspace the requests come from (``slack`` is its fake)
    enterprise: str | None = None  # its Enterprise Grid org, when the app is installed org-wide

    async def post(
        self,
        request: SlackRequest,
        *,
        secret: str = SECRET,
        age: int = 0,
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        """Send ``request`` signed (``age`` seconds old) and read the response."""
        if self.enterprise is not None:
            request = org_wide(request, self.enterprise)
        signed = signed_headers(request, secret, age=age, extra=headers)
        async with self.http.post(
            self.url + EVENTS_PATH, data=request.body.encode(), headers=signed
        ) as resp:
            await resp.read()
            return resp

    async def send(self, request: SlackRequest, headers: dict[str, str] | None = None) -> int:
        """Send ``request`` and wait until the app has finished handling it."""
        resp = await self.post(request, headers=headers)
        await settle()
        return resp.status

    async def command(
        self, text: str, user: str = "ULEAD", channel: str = CHANNEL, trigger_id: str | None = None
    ) -> int:
        """Send ``/cx-assess text``."""
        self._event_seq += 1
        request = slash_command(
            text,
            user=user,
            team=self.team,
            channel=channel,
            response_url=self.slack.response_url(f"cmd-{user}"),
            trigger_id=trigger_id or f"trigger-{self._event_seq}",
        )
        return await self.send(request)

    async def click(self, user: str, action_id: str, value: str, *, channel: str, ts: str) -> int:
        response_url = self.slack.message_response_url(channel, ts, self.team)
        return await self.send(
            block_actions(
                user, self.team, action_id, value, channel=channel, ts=ts, response_url=response_url
            )
        )

    async def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        self._event_seq += 1
        request = event_callback(
            event, team=self.team, event_id=event_id or f"Ev{self._event_seq:06d}"
        )
        return await self.send(request, headers)

    async def dm(
        self,
        user: str,
        text: str,
        thread_ts: str | None = None,
        *,
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> int:
        return await self.event(
            dm_message(user, text, thread_ts), event_id=event_id, headers=headers
        )

    # ----------------------------------------------------------------- reading the fake

    def invited(self) -> list[str]:
        """Who got an invitation, once per invitation (posted to the user id, not a channel)."""
        return sorted(
            c.params["channel"]
            for c in self.slack.calls_to("chat.postMessage", ok_only=True)
            if c.params["channel"].startswith(("U", "W"))
        )

    def dm_messages(self, user: str) -> list[dict[str, Any]]:
        return self.slack.messages(f"D{user}")

    def last_dm(self, user: str) -> dict[str, Any]:
        return self.dm_messages(user)[-1]

    def button(
        self, user: str, action_prefix: str, message: dict[str, Any] | None = None
    ) -> tuple[str, str, str]:
        """(action_id, value, ts) of the first button whose action_id starts with the prefix."""
        message = message or self.last_dm(user)
        for block in message.get("blocks") or []:
            elements = (
                block.get("elements", [])
                if block["type"] == "actions"
                else [block.get("accessory") or {}]
            )
            for element in elements:
                if element.get("action_id", "").startswith(action_prefix):
                    return element["action_id"], element["value"], message["ts"]
        raise AssertionError(f"no {action_prefix} button in {message.get('text')!r}")

    def kept(self, user: str, action_prefix: str) -> tuple[str, dict[str, Any]]:
        """The inbox key and the kept form of a click on the button, as the middleware keeps
        it before Slack gets its 200: what a crash right after that leaves to apply."""
        action_id, value, ts = self.button(user, action_prefix)
        request = block_actions(user, self.team, action_id, value, channel=f"D{user}", ts=ts)
        body = parse_body(request.body, request.content_type)
        return click_key(body), kept_click(body, self.team)

    async def press(
        self, user: str, action_prefix: str, message: dict[str, Any] | None = None
    ) -> int:
        action_id, value, ts = self.button(user, action_prefix, message)
        return await self.click(user, action_id, value, channel=f"D{user}", ts=ts)

    def card(self, user: str) -> dict[str, Any]:
        """The latest message in the DM with answer buttons: the card in view."""
        for message in reversed(self.dm_messages(user)):
            if any(
                e.get("action_id", "").startswith("cx_answer_")
                for b in message.get("blocks") or []
                if b["type"] == "actions"
                for e in b["elements"]
            ):
                return message
        raise AssertionError(f"no card in {user}'s DM")

    def row_button(self, user: str, level: int | str, ask: str = "current") -> tuple[str, str, str]:
        """(action_id, value, ts) of ``level`` (a value, or ``not_sure``) on the ``ask`` row of
        the card in view."""
        card = self.card(user)
        action = "cx_not_sure" if level == "not_sure" else f"cx_answer_{level}"
        for block in card["blocks"]:
            if block["type"] == "actions" and block.get("block_id", "").endswith(f"|{ask}"):
                for element in block["elements"]:
                    if element["action_id"] == action:
                        return action, element["value"], card["ts"]
        raise AssertionError(f"no {action} on the {ask} row of {card['text']!r}")

    async def tap(self, user: str, level: int | str, ask: str = "current") -> int:
        """Tap ``level`` on the ``ask`` row of the card in view."""
        action_id, value, ts = self.row_button(user, level, ask)
        return await self.click(user, action_id, value, channel=f"D{user}", ts=ts)

    async def answer_all(self, user: str, *levels: int | str, cards: int) -> None:
        """Start, answer ``cards`` cards with ``levels`` each (today, target, ...), Submit."""
        await self.press(user, "cx_start")
        for _ in range(cards):
            await self.answer_card(user, *levels)
        await self.press(user, "cx_finish")

    async def answer_card(self, user: str, *levels: int | str) -> None:
        """Tap today's level, then the target (and the importance) on the card in view."""
        for level, ask in zip(levels, ("current", "target", "importance"), strict=False):
            await self.tap(user, level, ask)


async def settle() -> None:
    """Wait until every Bolt listener that runs after its acknowledgement has finished."""
    await drain()


# The start reply's last line for a cx-pillars round of two people (the lead not among them).
HEADS_UP_TWO = (
    "Heads-up: with 2 people invited, no area can be shown: each needs 3 answers, to keep them "
    "anonymous. For results, cancel and start again with more people."
)


@functools.cache
def bundled() -> Catalog:
    """The bundled frameworks, loaded once per test process (frameworks are immutable)."""
    return load_catalog()


def workspace(slack: FakeSlack) -> None:
    slack.add_user("ULEAD", name="lea", locale="en-US", tz="Europe/Madrid")
    slack.add_user("UADMIN", name="adam", locale="en-US", is_admin=True)
    slack.add_user("U1", name="ana", locale="es-ES", tz="Europe/Madrid")
    slack.add_user("U2", name="ben", locale="en-GB", tz="Europe/London")
    slack.add_user("U3", name="carla", locale="de-DE", tz="Europe/Berlin")
    slack.add_user("UROBOT", name="robot", is_bot=True)
    slack.add_user("UGONE", name="gone", deleted=True)
    slack.add_channel(CHANNEL, ["ULEAD", "U1", "U2", "U3", "UROBOT", "UGONE"], name="cx-team")
    slack.add_channel("C0002", ["ULEAD"], name="other")
    slack.add_channel("C0404", ["ULEAD"], name="private-no-bot", bot_is_member=False)


@pytest.fixture
async def harness(db_url: str, engine: str, sqlite_migrated: Path) -> AsyncIterator[Harness]:
    if engine == "sqlite":
        shutil.copyfile(sqlite_migrated, db_url)
    clock = Clock()
    async with FakeSlack() as slack:
        workspace(slack)
        settings = Settings(
            database=db_url,
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
        )
        async with Store.open(settings.database) as store, aiohttp.ClientSession() as session:
            app, deps = build_app(settings, bundled(), store, clock=clock, session=session)
            runner = web.AppRunner(web_app(app, deps))
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = runner.addresses[0][1]
            async with aiohttp.ClientSession() as http:
                yield Harness(slack, deps, f"http://127.0.0.1:{port}", http, clock)
            await settle()
            await runner.cleanup()
