"""App Home: gathers a person's assessments and publishes the Home tab."""

from __future__ import annotations

import logging

from bot.flows.interview import Phase
from bot.i18n import language_of
from bot.model import RoundStatus
from bot.plan import Plan
from bot.render.blocks.home import LedItem, PendingItem, SummaryItem, home_view
from bot.render.dialogue import local_deadline
from bot.render.wording import stored_stage
from bot.slack_api import SlackCallFailed, SlackGateway
from bot.storage import Store

log = logging.getLogger(__name__)

PENDING = (Phase.INVITED, Phase.ASKING, Phase.REVIEW, Phase.DECLINED)


class AppHome:
    def __init__(self, store: Store, slack: SlackGateway, plan: Plan) -> None:
        self.store, self.slack, self.plan = store, slack, plan

    async def refresh(self, team_id: str, user_id: str) -> None:
        """Publish the Home tab after an action whose answer is out already: a failure is only
        logged (the tab is built afresh at the person's next visit)."""
        try:
            await self.publish(team_id, user_id)
        except SlackCallFailed as exc:
            log.warning("App Home for %s not refreshed: %s", user_id, exc.error)

    async def publish(self, team_id: str, user_id: str) -> None:
        """Build and publish the person's Home tab (never shows anyone's answers)."""
        user = await self.slack.user(user_id)
        lang = language_of(user.locale)
        now = self.plan.now()
        pending = [
            PendingItem(
                r.id,
                r.channel_id,
                r.framework.name.get(lang),
                p.state.answered,
                len(r.framework.areas),
                local_deadline(p.snooze_until, p.tz, lang)
                if p.snooze_until and p.snoozed(now)
                else "",
            )
            for r, p in await self.store.open_dialogues(user_id)
            if p.state.phase in PENDING and r.team_id == team_id
        ]
        started = [
            r
            for r in await self.store.rounds_started_by(team_id, user_id)
            if r.status is RoundStatus.OPEN
        ]
        progress = await self.store.progress([r.id for r in started])
        led = [
            LedItem(r.id, r.channel_id, r.framework.name.get(lang), *progress[r.id])
            for r in started
        ]
        summaries = [
            SummaryItem(
                r.channel_id,
                r.framework.name.get(lang),
                r.closed_at.date().isoformat() if r.closed_at else "",
                stored_stage(r.result, r.framework.scale, lang),
            )
            for r in await self.store.closed_rounds_for(team_id, user_id)
        ]
        actions = await self.plan.home_items(team_id, user_id, lang)
        view = home_view(lang, pending, led, summaries, actions)
        await self.slack.publish_home(user_id, view)
