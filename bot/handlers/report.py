"""Answering a person in their DM after Slack was already answered (or telling them it failed);
the request's workspace."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from bot.deps import Deps
from bot.i18n import language_of, t
from bot.rounds import Refusal
from bot.schedule import local_time
from bot.slack_api import SlackCallFailed, SlackUser

log = logging.getLogger(__name__)


async def tell_failure(deps: Deps, user_id: str) -> None:
    """DM the person that their last action failed (best effort: Slack may be what failed)."""
    try:
        user = await deps.slack.user(user_id)
        await deps.slack.post_dm(user_id, t(language_of(user.locale), "unexpected_error"))
    except SlackCallFailed as exc:
        log.error("could not tell %s about a failure: %s", user_id, exc.error)


async def answer_in_dm(
    deps: Deps, user_id: str, what: str, work: Callable[[SlackUser, str], Awaitable[str | None]]
) -> bool:
    """Run a button's ``work`` for the person who pressed it, in their language (``work`` gets
    them and it): the text it returns, or a `Refusal`'s, goes to their DM. A Slack failure (or
    a malformed button value) is logged under ``what`` and the person told it failed; False
    then."""
    try:
        caller = await deps.slack.user(user_id)
        lang = language_of(caller.locale)
        try:
            text = await work(caller, lang)
        except Refusal as refusal:
            text = refusal.text(lang)
        if text is not None:
            await deps.slack.post_dm(user_id, text)
    except (SlackCallFailed, ValueError) as exc:
        log.error("%s from %s failed: %s", what, user_id, exc)
        await tell_failure(deps, user_id)
        return False
    return True


def team_of(context: dict[str, Any]) -> str:
    """The workspace Bolt authorized the request for ('' if none): the one whose token the
    request's Slack calls carry, never a team the payload names elsewhere (``user.team_id``)."""
    return str(context.get("team_id") or "")


async def caller_today(deps: Deps, user_id: str) -> tuple[SlackUser | None, date]:
    """The person (None when Slack cannot say) and their today in their own time zone, as
    their date picker shows it (the app clock's UTC date without them)."""
    now = deps.rounds.clock()
    try:
        caller = await deps.slack.user(user_id)
    except SlackCallFailed:
        return None, now.date()
    return caller, local_time(now, caller.tz).date()
