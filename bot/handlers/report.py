"""Telling a person that something failed after Slack was already answered."""

from __future__ import annotations

import logging

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
