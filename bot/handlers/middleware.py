"""Runs before every listener: each request is handled once, and an answer is kept safe.

Slack retries events it thinks failed (same ``event_id``) and a slash command may arrive twice
(same ``trigger_id``); both are dropped the second time with a 200. An answer (a typed reply in
a DM, or a click on a dialogue's button) is stored before Slack gets its 200 and marked done in
the transaction that applies it, so a crash in between loses nothing: `replay_kept` applies it
after the restart.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.deps import Deps
from bot.dialogues import NotYourDialogue, Origin
from bot.render.blocks.dialogue import read_action
from bot.workspaces import Workspace, enter, working_for

log = logging.getLogger(__name__)

DIALOGUE_ACTIONS = re.compile(
    r"^cx_(start|decline|answer_\d+|not_sure|skip|back|pause|change_.+|finish)$"
)
_LEVEL_SUFFIX = re.compile(r"_\d+$")
CLICK = "block_actions"  # the ``type`` of a kept click (a kept typed reply's is "message")


def request_key(body: dict[str, Any]) -> str | None:
    """The identity of a request across Slack's retries (and of a click on a dialogue's
    button, which Slack never retries, across redeliveries), when it has one."""
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    if _dialogue_action(body) is not None:
        return click_key(body)
    return None


def click_key(body: dict[str, Any]) -> str:
    """The inbox key of a click on a dialogue's button: a digest of who clicked what, on which
    message and when (Slack's ``action_ts``), so that a key kept after the click is applied
    says nothing of the person or their answer."""
    action: dict[str, Any] = body["actions"][0]
    container = body.get("container") or {}
    clicked = (
        body["user"]["id"],
        container.get("message_ts"),
        action["action_id"],
        action.get("value"),
        action.get("action_ts"),
    )
    return "click:" + hashlib.sha256("|".join(map(str, clicked)).encode()).hexdigest()[:32]


def action_kind(action_id: str) -> str:
    """A dialogue button's id without the level it answers, for logs (never who chose what)."""
    return _LEVEL_SUFFIX.sub("", action_id)


def _dialogue_action(body: dict[str, Any]) -> dict[str, Any] | None:
    """The action of a click on a dialogue's button (`DIALOGUE_ACTIONS`)."""
    if body.get("type") != CLICK:
        return None
    action: dict[str, Any] = body["actions"][0]
    return action if DIALOGUE_ACTIONS.match(action["action_id"]) else None


def kept_click(body: dict[str, Any], team_id: str | None) -> dict[str, Any]:
    """What is kept of a click on a dialogue's button to apply it (again, after a crash)."""
    action: dict[str, Any] = body["actions"][0]
    container = body.get("container") or {}
    return {
        "type": CLICK,
        "user": body["user"]["id"],
        "team": team_id,
        "action_id": action["action_id"],
        "value": action.get("value", ""),
        "channel": container.get("channel_id"),
        "ts": container.get("message_ts"),
        "response_url": body.get("response_url"),
    }


def request_workspace(context: dict[str, Any]) -> Workspace:
    """The workspace Bolt authorized the request for."""
    return Workspace(
        context.get("team_id"),
        context.get("enterprise_id"),
        bool(context.get("is_enterprise_install")),
    )


@dataclass(frozen=True)
class Revision:
    """A person's edit (``new``) or deletion (``new`` empty) of a reply they wrote in a thread
    of their DM with the app (a card's comment, maybe)."""

    user: str
    channel: str
    thread_ts: str
    old: str
    new: str


def revision(event: dict[str, Any], bot_user_id: str | None) -> Revision | None:
    """The `Revision` a ``message_changed`` or ``message_deleted`` event in a DM stands for,
    when it is a person's own thread reply whose text changed; else None."""
    subtype = event.get("subtype")
    if event.get("channel_type") != "im" or subtype not in ("message_changed", "message_deleted"):
        return None
    before = event.get("previous_message") or {}
    after = event.get("message") or {} if subtype == "message_changed" else {}
    user, thread_ts = before.get("user"), before.get("thread_ts")
    if (
        user in (None, bot_user_id)
        or before.get("bot_id")
        or not isinstance(thread_ts, str)
        or thread_ts == before.get("ts")  # a thread's parent, not a reply
        or (after and after.get("user") != user)
    ):
        return None
    old, new = str(before.get("text") or ""), str(after.get("text") or "")
    if old.strip() == new.strip():
        return None  # an unfurl or an edit that changed nothing
    return Revision(str(user), str(event.get("channel")), thread_ts, old, new)


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
        bot_user_id = context.get("bot_user_id")
        if is_typed_reply(event, bot_user_id) or revision(event, bot_user_id):
            # with its workspace, for a replay
            keep = {**event, "team": event.get("team") or context.get("team_id")}
        elif key.startswith("click:"):
            keep = kept_click(body, context.get("team_id"))
        if not await deps.store.first_time(key, keep):
            return BoltResponse(status=200, body="")
        return await next()


async def apply_typed(deps: Deps, key: str, event: dict[str, Any]) -> None:
    """Apply a stored typed answer, or a reply's edit or deletion (`revision`); it is marked
    done in the transaction that commits its effect, so a replay after a crash in the sending
    that follows cannot apply it twice."""
    revised = revision(event, None)
    if revised is not None:
        await deps.dialogues.revise(
            revised.user, revised.channel, revised.thread_ts, revised.old, revised.new, key
        )
        return
    await deps.dialogues.handle_text(
        event["user"], event["channel"], event.get("text") or "", event.get("thread_ts"), key
    )


async def apply_click(deps: Deps, key: str, click: dict[str, Any]) -> None:
    """Apply a kept click (`kept_click`), marked done in the transaction that commits its
    effect; one that can never apply (malformed, or not the person's round) is marked done."""
    parsed = read_action(click["action_id"], click["value"])
    origin = None
    if click.get("channel") and click.get("ts"):
        origin = Origin(click["channel"], click["ts"], click.get("response_url"))
    kind = action_kind(click["action_id"])
    try:
        if parsed is None:
            log.warning("ignored a malformed %s from %s", kind, click["user"])
        else:
            await deps.dialogues.handle(parsed[0], click["user"], parsed[1], origin, key)
            return
    except NotYourDialogue:
        log.warning("refused %s from %s: not in that round", kind, click["user"])
    await deps.store.mark_done(key)


async def give_up(deps: Deps, key: str) -> None:
    """An answer whose person is told it failed (and to try again) is not applied later
    behind their back: what the inbox replays is what a crash left, not what failed."""
    try:
        await deps.store.mark_done(key)
    except Exception:  # the database is failing too: the replay may apply it after all
        log.exception("could not set aside a failed answer")


async def replay_kept(deps: Deps, before: datetime | None = None) -> int:
    """Apply answers (typed or clicked) that were acknowledged but not applied: after a restart
    all of them; from the clock, those received ``before`` (the instance that received them
    died). One that another instance applies meanwhile is applied once (see
    `Dialogues.handle`). Those of an uninstalled workspace wait; one that fails is logged and
    the others are applied."""
    applied = 0
    for key, kept in await deps.store.undone_requests(before):
        team = kept.get("team")
        if team is not None and not await deps.slack.serves(team):
            continue  # uninstalled: kept until it installs again
        applied += 1
        with working_for(Workspace(team)):
            try:
                if kept.get("type") == CLICK:
                    await apply_click(deps, key, kept)
                else:
                    await apply_typed(deps, key, kept)
            except Exception:  # one that fails holds up no other
                log.exception("answer %s not applied", key)
    return applied
