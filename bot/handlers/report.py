"""Telling a person that something failed after Slack was already answered; the request's workspace."""

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


def team_of(context: dict[str, Any]) -> str:
    """The workspace Bolt authorized the request for ('' if none): the one whose token the
    request's Slack calls carry, never a team the payload names elsewhere (``user.team_id``)."""
    return str(context.get("team_id") or "")
