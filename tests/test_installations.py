"""Installations and OAuth states in the app's database, through slack-sdk's store interfaces
(on SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from slack_sdk.oauth.installation_store import Installation

from bot.installations import InstallationStore, StateStore
from bot.storage import Store


def _installation(team: str, user: str, token: str, **extra: object) -> Installation:
    return Installation(
        app_id="A0001",
        enterprise_id=extra.pop("enterprise_id", None),  # type: ignore[arg-type]
        team_id=team,
        team_name=f"team {team}",
        bot_token=token,
        bot_id="B" + team,
        bot_user_id="UBOT" + team,
        bot_scopes=["chat:write", "commands"],
        user_id=user,
        installed_at=extra.pop("installed_at", time.time()),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


async def test_installations_are_kept_per_workspace_and_found_again(db_url: str) -> None:
    async with Store.open(db_url) as store:
        installations = InstallationStore(store)
        await installations.async_save(_installation("T1", "U1", "xoxb-1"))
        await installations.async_save(_installation("T2", "U2", "xoxb-2"))
        first = await installations.async_find_installation(enterprise_id=None, team_id="T1")
        bot = await installations.async_find_bot(enterprise_id=None, team_id="T2")
        assert first is not None and first.bot_token == "xoxb-1" and first.user_id == "U1"
        assert first.bot_scopes == ["chat:write", "commands"]
        assert bot is not None and bot.bot_token == "xoxb-2" and bot.bot_user_id == "UBOTT2"
        assert await installations.async_find_bot(enterprise_id=None, team_id="T3") is None


async def test_a_new_installation_replaces_the_workspace_bot(db_url: str) -> None:
    async with Store.open(db_url) as store:
        installations = InstallationStore(store)
        await installations.async_save(_installation("T1", "U1", "xoxb-old", installed_at=1e9))
        await installations.async_save(_installation("T1", "U2", "xoxb-new"))
        latest = await installations.async_find_installation(enterprise_id=None, team_id="T1")
        by_first = await installations.async_find_installation(
            enterprise_id=None, team_id="T1", user_id="U1"
        )
        assert latest is not None and latest.user_id == "U2" and latest.bot_token == "xoxb-new"
        assert by_first is not None and by_first.bot_token == "xoxb-new"  # the bot is the latest


async def test_rotated_bot_token_and_its_expiry_are_kept(db_url: str) -> None:
    async with Store.open(db_url) as store:
        installations = InstallationStore(store)
        await installations.async_save(
            _installation(
                "T1", "U1", "xoxe.xoxb-1", bot_refresh_token="xoxe-1", bot_token_expires_in=60
            )
        )
        bot = await installations.async_find_bot(enterprise_id=None, team_id="T1")
        assert bot is not None and bot.bot_refresh_token == "xoxe-1"
        assert bot.bot_token_expires_at is not None and bot.bot_token_expires_at > time.time()
        bot.bot_token, bot.bot_refresh_token = "xoxe.xoxb-2", "xoxe-2"
        await installations.async_save_bot(bot)
        found = await installations.async_find_installation(enterprise_id=None, team_id="T1")
        assert found is not None and found.bot_token == "xoxe.xoxb-2"
        assert found.bot_refresh_token == "xoxe-2"


async def test_revoked_bot_is_not_found_through_the_installation(db_url: str) -> None:
    async with Store.open(db_url) as store:
        installations = InstallationStore(store)
        await installations.async_save(_installation("T1", "U1", "xoxb-1"))
        await installations.async_save(_installation("T2", "U2", "xoxb-2"))
        await installations.async_delete_bot(enterprise_id=None, team_id="T1")
        found = await installations.async_find_installation(enterprise_id=None, team_id="T1")
        assert found is not None and found.bot_token is None
        await installations.async_delete_all(enterprise_id=None, team_id="T1")
        assert await installations.async_find_installation(enterprise_id=None, team_id="T1") is None
        assert await installations.async_find_bot(enterprise_id=None, team_id="T2") is not None


async def test_org_wide_installation_is_found_by_its_enterprise(db_url: str) -> None:
    async with Store.open(db_url) as store:
        installations = InstallationStore(store)
        org = _installation("", "U1", "xoxb-org", enterprise_id="E1", is_enterprise_install=True)
        org.team_id = None
        await installations.async_save(org)
        found = await installations.async_find_bot(
            enterprise_id="E1", team_id="T9", is_enterprise_install=True
        )
        assert found is not None and found.bot_token == "xoxb-org"
        assert await installations.async_find_bot(enterprise_id="E1", team_id="T9") is None


async def test_oauth_state_works_once_and_only_before_it_expires(db_url: str) -> None:
    async with Store.open(db_url) as store:
        now = datetime(2026, 11, 30, 12, tzinfo=UTC)
        states = StateStore(store, expiration_seconds=600, clock=lambda: now)
        state = await states.async_issue()
        assert await states.async_consume(state) is True
        assert await states.async_consume(state) is False
        assert await states.async_consume("forged") is False
        late = await states.async_issue()
        now += timedelta(seconds=601)
        assert await states.async_consume(late) is False


async def test_the_clock_finds_an_org_wide_bot_through_a_workspace_it_served(db_url: str) -> None:
    async with Store.open(db_url) as store:
        org = _installation("", "U1", "xoxb-org", enterprise_id="E1", is_enterprise_install=True)
        org.team_id = None
        await InstallationStore(store).async_save(org)
        assert await store.team_bot("T9") is None
        await store.note_org_workspace("T9", "E1")
        found = await store.team_bot("T9")
        assert found is not None and found["bot_token"] == "xoxb-org"
        assert await store.team_bot("T8") is None
