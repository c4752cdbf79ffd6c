"""Telling a person that something failed after Slack was already answered; reading who asked."""

from __future__ import annotations

import logging
from typing import Any

from bot.deps import Deps
from bot.i18n import language_of, t
from bot.slack_api import SlackCallFailed

log = logging.getLogger(__name__)


async def tell_failure(deps: Deps, user_id: str) -> None:
    """DM the person that their last action failed (best effort: Slack may be what failed)."""
    try:
        user = await deps.slack.user(user_id)
        await deps.slack.post_dm(user_id, t(language_of(user.locale), "unexpected_error"))
    except SlackCallFailed as exc:
        log.error("could not tell %s about a failure: %s", user_id, exc.error)


def team_of(body: dict[str, Any]) -> str:
    """The team of an interaction's caller: ``user.team_id``, else ``team.id`` ('' if neither)."""
    user, team = body.get("user") or {}, body.get("team") or {}
    return str(user.get("team_id") or team.get("id") or "")
