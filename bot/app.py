"""Builds the Bolt app: dependencies wired, listeners registered per kind, unhandled → 200."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delphi import Followups
from bot.deps import Deps
from bot.dialogues import Dialogues
from bot.frameworks import Catalog
from bot.handlers import actions, commands, delphi_actions, events, middleware, plan_actions, views
from bot.home import AppHome
from bot.plan import Plan
from bot.posts import Posts
from bot.rounds import Rounds
from bot.slack_api import SlackGateway, make_client
from bot.storage import Store

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
    posts = Posts(store, slack, clock, settings.slack_timeout)
    dialogues = Dialogues(store, slack, posts, clock)
    rounds = Rounds(store, slack, dialogues, posts, catalog, settings, clock)
    plan = Plan(rounds)
    rounds.chores.append(plan.tick)
    home = AppHome(store, slack, plan)
    return Deps(settings, catalog, store, slack, dialogues, rounds, home, plan, Followups(rounds))


def build_app(
    settings: Settings,
    catalog: Catalog,
    store: Store,
    *,
    clock: Callable[[], datetime] | None = None,
    session: aiohttp.ClientSession | None = None,
) -> tuple[AsyncApp, Deps]:
    """The `AsyncApp` and its dependencies. Request signatures are always verified (HTTP mode)."""
    client = make_client(
        settings.slack_bot_token, settings.slack_api_url, session, settings.slack_timeout
    )
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

    for kind in (middleware, commands, actions, views, events, plan_actions, delphi_actions):
        kind.register(app, deps)
    return app, deps
