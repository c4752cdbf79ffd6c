"""`cx-assess data export|delete --team`: all of one workspace's data, and only its own."""

from __future__ import annotations

import asyncio
import io
import json
import time

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.cli import main
from bot.frameworks import Framework, load_framework
from bot.installations import InstallationStore
from bot.model import Invitee
from bot.storage import Store
from tests.test_db_copy import NOW, fill


@pytest.fixture
def two_teams(db_url: str, write_framework, monkeypatch: pytest.MonkeyPatch) -> str:
    """Workspace T1 with a bit of everything and T2 with one round; both installed."""
    mini: Framework = load_framework(write_framework())

    async def prepare() -> None:
        async with Store.open(db_url) as store:
            await fill(store, mini)
            await store.create_round(
                team_id="T2", channel_id="C1", framework=mini, started_by="UOTHER",
                participants=[Invitee("UOTHER2")], now=NOW,
            )  # fmt: skip
            for team in ("T1", "T2"):
                installation = Installation(
                    team_id=team, user_id="U9", bot_token=f"xoxb-{team}", bot_id="B",
                    bot_user_id="UBOT", installed_at=time.time(),
                )  # fmt: skip
                await InstallationStore(store).async_save(installation)

    asyncio.run(prepare())
    monkeypatch.setenv("CX_ASSESS_DB", db_url)
    return db_url


async def _left(url: str, team: str) -> tuple[int, bool]:
    async with Store.open(url) as store:
        counts = await store.team_counts(team)
        return sum(counts.values()), await store.team_bot(team) is not None


def test_export_writes_every_row_of_the_workspace_and_no_token(two_teams: str) -> None:
    out = io.StringIO()
    assert main(["data", "export", "--team", "T1"], out) == 0
    document = json.loads(out.getvalue())
    tables = document["tables"]
    assert document["team_id"] == "T1"
    assert {r["team_id"] for r in tables["rounds"]} == {"T1"} and len(tables["rounds"]) == 3
    assert {"U0", "U1", "U2", "U3"} <= {p["user_id"] for p in tables["participants"]}
    assert tables["answers"] and tables["discussion_replies"] and tables["schedules"]
    assert tables["actions"][0]["what"] == "weekly review"
    assert "UOTHER" not in out.getvalue() and "xoxb-" not in out.getvalue()


def test_delete_asks_first_and_removes_only_that_workspace(
    two_teams: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    out = io.StringIO()
    assert main(["data", "delete", "--team", "T1"], out) == 1
    assert "Nothing was deleted." in out.getvalue()
    before, installed = asyncio.run(_left(two_teams, "T1"))
    assert before > 10 and installed

    out = io.StringIO()
    assert main(["data", "delete", "--team", "T1", "--yes"], out) == 0
    assert f"Deleted {before} rows of workspace T1." in out.getvalue()
    assert asyncio.run(_left(two_teams, "T1")) == (0, False)
    others, still_installed = asyncio.run(_left(two_teams, "T2"))
    assert others == 4 and still_installed  # round, participant, installation and bot


def test_delete_removes_the_typed_answers_the_workspace_has_in_the_inbox(
    two_teams: str,
) -> None:
    async def keep() -> None:
        async with Store.open(two_teams) as store:
            for team, key in (("T1", "event:EvT1"), ("T2", "event:EvT2")):
                typed = {"type": "message", "user": "U1", "text": "my own words", "team": team}
                assert await store.first_time(key, typed)

    async def kept() -> list[str]:
        async with Store.open(two_teams) as store:
            return [key for key, _ in await store.undone_requests()]

    asyncio.run(keep())
    out = io.StringIO()
    assert main(["data", "delete", "--team", "T1", "--yes"], out) == 0
    left = asyncio.run(kept())
    assert "event:EvT1" not in left and "event:EvT2" in left
