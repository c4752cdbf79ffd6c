"""Which workspace the code is working for, and that workspace's bot token (OAuth mode).

One deployment serves every workspace that installed the app. The workspace at hand is a
context variable, set for each request by a Bolt middleware (from the workspace Bolt authorized
it for, for the rest of the request) and by the clock around each job of a round, action or schedule (`in_workspace`); tasks
started meanwhile inherit it. `bot.slack_api.SlackGateway` asks `Tokens` for that workspace's
bot token on every Web API call: read from its installation each time (a bot removed by
``app_uninstalled`` or ``tokens_revoked`` is never used again), refreshed first when the app
rotates tokens and this one is about to expire. With a single ``SLACK_BOT_TOKEN`` there are no
`Tokens` and the context is unused.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator

from bot.installations import InstallationStore
from bot.slack_api import TokenRefreshFailed
from bot.storage import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
ROTATE_MINUTES_BEFORE_EXPIRY = 120  # as Bolt does for requests


@dataclass(frozen=True)
class Workspace:
    """A workspace (``team_id``), in its Enterprise Grid org (``enterprise_id``) if any; an
    org-wide installation has no team of its own (``org_wide``)."""

    team_id: str | None
    enterprise_id: str | None = None
    org_wide: bool = False


CURRENT: ContextVar[Workspace | None] = ContextVar("cx_assess_workspace", default=None)


@contextmanager
def working_for(workspace: Workspace | None) -> Iterator[None]:
    """``workspace`` is the current one inside the block (and in tasks started in it)."""
    token = CURRENT.set(workspace)
    try:
        yield
    finally:
        CURRENT.reset(token)


def enter(workspace: Workspace) -> None:
    """``workspace`` is the current one for the rest of the task (a request: Bolt runs its
    listener after the middleware has returned; `bot.server` scopes each request)."""
    CURRENT.set(workspace)


async def in_workspace(team_id: str, work: Awaitable[T]) -> T:
    """Await ``work`` (a round's, an action's) for the workspace ``team_id``."""
    with working_for(Workspace(team_id)):
        return await work


def belongs(team_id: str) -> bool:
    """Whether a record of the workspace ``team_id`` may be acted on for the current one: a
    request of workspace A never moves a dialogue of B (on Enterprise Grid a person has one id
    in every workspace). True when no workspace is at hand (the terminal, the demo)."""
    current = CURRENT.get()
    return current is None or current.team_id is None or current.team_id == team_id


class Tokens:
    """Bot tokens by workspace, from the installations in the database."""

    def __init__(self, store: Store, rotator: AsyncTokenRotator | None = None) -> None:
        self.store, self.rotator = store, rotator
        self.installations = InstallationStore(store)

    async def current(self) -> str | None:
        """The current workspace's bot token; None when there is no current workspace or it
        has no bot installed (uninstalled, revoked, never installed)."""
        workspace = CURRENT.get()
        bot = await self._bot(workspace) if workspace is not None else None
        if bot is None:
            return None
        if self.rotator is not None and bot.bot_refresh_token is not None:
            try:
                refreshed = await self.rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=ROTATE_MINUTES_BEFORE_EXPIRY
                )
            except SlackTokenRotationError as exc:  # the workspace is installed: try again later
                log.error("token rotation for %s failed: %s", workspace, exc.api_error)
                raise TokenRefreshFailed(str(exc.api_error)) from None
            if refreshed is not None:
                await self.installations.async_save_bot(refreshed)
                bot = refreshed
        return bot.bot_token

    def current_team(self) -> str | None:
        """The team of the workspace at hand, if any."""
        workspace = CURRENT.get()
        return workspace.team_id if workspace is not None else None

    async def installed(self, team_id: str) -> bool:
        """Whether the workspace ``team_id`` has the bot installed (its work may go on)."""
        return await self.store.team_bot(team_id) is not None

    async def _bot(self, workspace: Workspace) -> Bot | None:
        if workspace.enterprise_id is None and workspace.team_id is not None:
            found = await self.store.team_bot(workspace.team_id)  # the clock knows only teams
            return Bot(**found) if found else None
        return await self.installations.async_find_bot(
            enterprise_id=workspace.enterprise_id,
            team_id=workspace.team_id,
            is_enterprise_install=workspace.org_wide,
        )
