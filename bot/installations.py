"""slack-sdk's installation and OAuth state stores, kept in the app's database (`bot.storage`).

Bolt's OAuth flow saves what ``oauth.v2.access`` returned through `InstallationStore`, authorizes
each request from it, and deletes from it on ``app_uninstalled`` and ``tokens_revoked``. A
workspace's bot (its token) is the one source of its bot token: an installation found without
one has no bot token, so a revoked bot is never brought back from an older installation.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.storage import Store

log = logging.getLogger(__name__)
_BOT_FIELDS = ("bot_token", "bot_id", "bot_user_id", "bot_scopes", "bot_refresh_token")


def _record(item: Installation | Bot) -> dict[str, Any]:
    """``item`` as JSON-ready values (times in ISO 8601)."""
    return {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in item.to_dict_for_copying().items()
    }


def _when(item: Installation | Bot) -> datetime:
    return datetime.fromtimestamp(item.installed_at, UTC)


class InstallationStore(AsyncInstallationStore):
    """slack-sdk's `AsyncInstallationStore` on `bot.storage.Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        bot = _record(installation.to_bot()) if installation.bot_token else None
        await self.store.save_installation(_when(installation), _record(installation), bot)

    async def async_save_bot(self, bot: Bot) -> None:
        await self.store.save_bot(_when(bot), _record(bot))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = await self.store.find_bot(enterprise_id, None if is_enterprise_install else team_id)
        return Bot(**found) if found else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        team = None if is_enterprise_install else team_id
        found = await self.store.find_installation(enterprise_id, team, user_id)
        if found is None:
            return None
        bot = await self.store.find_bot(enterprise_id, team) or {}
        found.update({key: bot.get(key) for key in (*_BOT_FIELDS, "bot_token_expires_at")})
        return Installation(**found)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.store.delete_bot(enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self.store.delete_installations(enterprise_id, team_id, user_id)


class StateStore(AsyncOAuthStateStore):
    """slack-sdk's `AsyncOAuthStateStore` on `bot.storage.Store`: each state works once,
    within ``expiration_seconds``."""

    def __init__(
        self,
        store: Store,
        expiration_seconds: int = 600,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store, self.expiration, self.clock = (
            store,
            timedelta(seconds=expiration_seconds),
            clock,
        )

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        await self.store.keep_state(state, self.clock() + self.expiration)
        return state

    async def async_consume(self, state: str) -> bool:
        return await self.store.take_state(state, self.clock())
