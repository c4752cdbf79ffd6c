"""Builds the Bolt app: dependencies wired, listeners registered per kind, unhandled → 200."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.deps import Deps
from bot.dialogues import Dialogues
from bot.frameworks import Catalog
from bot.handlers import actions, commands, events, views
from bot.home import AppHome
from bot.rounds import Rounds
from bot.slack_api import SlackGateway, make_client
from bot.store import Store

log = logging.getLogger(__name__)


def build_deps(
    settings: Settings,
    catalog: Catalog,
    store: Store,
    client: AsyncWebClient,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Deps:
    """Wire the services around one store and one Web API client."""
    slack = SlackGateway(client)
    dialogues = Dialogues(store, slack)
    rounds = Rounds(store, slack, dialogues, catalog, settings, clock)
    return Deps(settings, catalog, store, slack, dialogues, rounds, AppHome(store, slack))


def build_app(
    settings: Settings,
    catalog: Catalog,
    store: Store,
    *,
    clock: Callable[[], datetime] | None = None,
) -> tuple[AsyncApp, Deps]:
    """The `AsyncApp` and its dependencies. Request signatures are always verified (HTTP mode)."""
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    deps = build_deps(settings, catalog, store, client, *([clock] if clock else []))
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        raise_error_for_unhandled_request=True,
        logger=logging.getLogger("slack_bolt"),
    )

    @app.error
    async def on_error(error: Exception) -> BoltResponse | None:
        if isinstance(error, BoltUnhandledRequestError):
            return BoltResponse(status=200, body="")  # a 404 would make Slack retry
        log.error("listener failed: %s", error, exc_info=error)
        return None

    @app.middleware
    async def once(
        body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        """Handle each event and each slash command invocation once, whatever Slack retries."""
        key = _request_key(body)
        if key is not None and not await store.first_time(key):
            return BoltResponse(status=200, body="")
        return await next()

    for kind in (commands, actions, views, events):
        kind.register(app, deps)
    return app, deps


def _request_key(body: dict[str, Any]) -> str | None:
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    return None
