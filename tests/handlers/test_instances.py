"""Two instances' handlers on one database: what one has received, the other must not apply
again (each instance its own `Store` and app, as two ``serve`` processes have)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import build_app
from bot.deps import Deps
from bot.frameworks import load_catalog
from bot.handlers.middleware import apply_typed, replay_typed
from bot.storage import Store
from tests.handlers.conftest import TEAM, Harness, settle


@pytest.fixture
async def other(harness: Harness) -> AsyncIterator[Deps]:
    """A second instance on the harness's database and fake Slack."""
    settings = harness.deps.settings
    async with Store.open(settings.database) as store, aiohttp.ClientSession() as session:
        _, deps = build_app(settings, load_catalog(), store, clock=harness.clock, session=session)
        yield deps
        await settle()


async def test_a_typed_answer_one_instance_applies_while_another_starts_up_is_applied_once(
    harness: Harness, other: Deps
) -> None:
    h = harness
    await h.command("start cx-pillars <@U2>")
    await h.press("U2", "cx_start")
    # Instance A keeps the typed answer before Slack gets its 200; B starts up meanwhile and
    # replays what it finds kept and not yet applied.
    event = {"type": "message", "channel_type": "im", "channel": "DU2", "user": "U2", "text": "3"}
    assert await h.deps.store.first_time("event:Ev-both", event)
    await asyncio.gather(apply_typed(h.deps, "event:Ev-both", event), replay_typed(other))
    round_ = await h.deps.store.open_round(TEAM, "C0001")
    assert round_ is not None
    person = await h.deps.store.participant(round_.id, "U2")
    assert person is not None
    answer = person.state.answers["data"]
    assert (answer.current, answer.target) == (3, None)  # not 3 again as the target
    assert await h.deps.store.undone_requests() == []
