"""Runs before every listener: each request is handled once, and a typed answer is kept safe.

Slack retries events it thinks failed (same ``event_id``) and a slash command may arrive twice
(same ``trigger_id``); both are dropped the second time with a 200. A typed answer in a DM is
stored before Slack gets its 200 and marked done once applied, so a crash in between loses
nothing: `replay_typed` applies it after the restart.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.deps import Deps
from bot.workspaces import Workspace, enter, working_for

log = logging.getLogger(__name__)


def request_key(body: dict[str, Any]) -> str | None:
    """The identity of a request across Slack's retries, when it has one."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    return None


def request_workspace(context: dict[str, Any]) -> Workspace:
    """The workspace Bolt authorized the request for."""
    return Workspace(
        context.get("team_id"),
        context.get("enterprise_id"),
        bool(context.get("is_enterprise_install")),
    )


def is_typed_reply(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A person's own new message in a DM with the app (not an edit, a join or a bot)."""
    return (
        event.get("type") == "message"
        and event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and event.get("user") not in (None, bot_user_id)
    )


def register(app: AsyncApp, deps: Deps) -> None:
    """Register the global middleware."""

    org_workspaces: set[str] = set()  # noted in the database by this process

    @app.middleware
    async def workspace(
        body: dict[str, Any],
        context: dict[str, Any],
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        """The request's Slack calls go to its own workspace, with its token (OAuth mode)."""
        if context.get("team_id") is None and isinstance(body.get("team_id"), str):
            # An event to an org-wide installation: Bolt reads its authorization, which has
            # no team; the workspace it happened in is the event's own.
            context["team_id"] = body["team_id"]
        at = request_workspace(context)
        enter(at)
        if at.org_wide and at.team_id and at.enterprise_id and at.team_id not in org_workspaces:
            await deps.store.note_org_workspace(at.team_id, at.enterprise_id)  # for the clock
            org_workspaces.add(at.team_id)
        return await next()

    @app.middleware
    async def once(
        body: dict[str, Any],
        context: dict[str, Any],
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        key = request_key(body)
        if key is None:
            return await next()
        event = body.get("event") or {}
        keep = None
        if is_typed_reply(event, context.get("bot_user_id")):  # with its workspace, for a replay
            keep = {**event, "team": event.get("team") or context.get("team_id")}
        if not await deps.store.first_time(key, keep):
            return BoltResponse(status=200, body="")
        return await next()


async def apply_typed(deps: Deps, key: str, event: dict[str, Any]) -> None:
    """Apply a stored typed answer; it is marked done in the transaction that commits its
    effect, so a replay after a crash in the sending that follows cannot apply it twice."""
    await deps.dialogues.handle_text(
        event["user"], event["channel"], event.get("text") or "", event.get("thread_ts"), key
    )


async def replay_typed(deps: Deps, before: datetime | None = None) -> int:
    """Apply typed answers that were acknowledged but not applied: after a restart all of them;
    from the clock, those received ``before`` (the instance that received them died). One that
    another instance applies meanwhile is applied once (see `Dialogues.handle`). Those of an
    uninstalled workspace wait; one that fails is logged and the others are applied."""
    applied = 0
    for key, event in await deps.store.undone_requests(before):
        team = event.get("team")
        if team is not None and not await deps.slack.serves(team):
            continue  # uninstalled: kept until it installs again
        applied += 1
        with working_for(Workspace(team)):
            try:
                await apply_typed(deps, key, event)
            except Exception:  # one that fails holds up no other
                log.exception("typed answer %s not applied", key)
    return applied
