"""Runs DM dialogues: applies an input to a person's interview, persists it, sends the next prompt.

The shell around `bot.flows.interview`: load state → advance → commit → render → send. Inputs
for one person's dialogue are applied one at a time (a double click cannot post two questions).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass

from bot.flows.interview import (
    Closed,
    CloseRound,
    Comment,
    Declined,
    Event,
    Finished,
    Invitation,
    Paused,
    Phase,
    Prompt,
    Question,
    Review,
    Transition,
    advance,
    prompt_for,
)
from bot.flows.parser import Ambiguous, Unrecognized, interpret
from bot.i18n import language_of, t
from bot.render.blocks import dialogue as blocks
from bot.render.dialogue import notice_text, options_hint, reask_text
from bot.slack_api import SlackGateway
from bot.store import Participant, Round, RoundNotOpen, RoundStatus, Store

log = logging.getLogger(__name__)

PENDING = (Phase.INVITED, Phase.ASKING, Phase.REVIEW)


@dataclass(frozen=True)
class Origin:
    """The message an input came from (a clicked button's message), to update in place."""

    channel: str
    ts: str


class NotYourDialogue(Exception):
    """The input names a round the person is not part of (a forged or stale payload)."""


class Dialogues:
    """The DM side of the app."""

    def __init__(self, store: Store, slack: SlackGateway) -> None:
        self.store = store
        self.slack = slack
        self._locks: defaultdict[tuple[int, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    async def invite(self, round_: Round, person: Participant, *, channel_name: str) -> None:
        """Send the invitation DM and record it (so a resumed fan-out skips this person)."""
        lang = language_of(person.locale)
        deadline = round_.deadline.date().isoformat() if round_.deadline else None
        message = blocks.invitation(
            round_.framework,
            lang,
            round_id=round_.id,
            starter=round_.started_by,
            channel=round_.channel_id,
            deadline=deadline,
        )
        dm = await self.slack.open_dm(person.user_id)
        ts = await self.slack.post(dm, message.text, message.blocks)
        await self.store.mark_invited(round_.id, person.user_id, dm)
        await self.store.record_prompt(round_.id, person.user_id, dm, ts)

    async def handle(
        self, round_id: int, user_id: str, event: Event, origin: Origin | None = None
    ) -> None:
        """Apply ``event`` to the person's dialogue in ``round_id`` and answer in their DM."""
        async with self._locks[(round_id, user_id)]:
            round_ = await self.store.get_round(round_id)
            person = await self.store.participant(round_id, user_id)
            if round_ is None or person is None:
                raise NotYourDialogue(f"{user_id} is not in round {round_id}")
            await self._apply(round_, person, event, origin)

    async def handle_text(
        self, user_id: str, channel: str, text: str, thread_ts: str | None
    ) -> None:
        """A message typed in the DM: a thread reply is a comment, anything else an answer."""
        if thread_ts is not None:
            ref = await self.store.prompt_message(channel, thread_ts)
            if ref is not None and ref.user_id == user_id and ref.area_id is not None:
                await self.handle(ref.round_id, user_id, Comment(text, ref.area_id))
                return
        dialogues = await self.store.open_dialogues(user_id)
        if not dialogues:
            await self.slack.post(channel, t("en", "no_open_dialogue"))
            return
        pending = [(r, p) for r, p in dialogues if p.state.phase in PENDING] or dialogues
        round_, person = pending[0]
        lang = language_of(person.locale)
        prompt = prompt_for(round_.framework, person.state)
        event = interpret(text, prompt, tuple(a.id for a in round_.framework.areas))
        if isinstance(event, Ambiguous | Unrecognized):
            hint = (
                options_hint(prompt.scale, lang)
                if isinstance(prompt, Question)
                else t(lang, "review_hint")
            )
            await self.slack.post(channel, reask_text(event, hint, lang))
            return
        if len(pending) > 1:
            await self.slack.post(
                channel, t(lang, "answer_went_to", channel=f"<#{round_.channel_id}>")
            )
        await self.handle(round_.id, user_id, event)

    async def close(self, person: Participant, text: str) -> None:
        """Tell an invited person the round ended; their pending prompt loses its buttons."""
        if person.dm_channel is None:
            return
        if person.prompt_ts is not None:
            await self.slack.update(
                person.dm_channel, person.prompt_ts, text, blocks.note(text).blocks
            )
        await self.slack.post(person.dm_channel, text)

    async def _apply(
        self,
        round_: Round,
        person: Participant,
        event: Event,
        origin: Origin | None,
    ) -> None:
        framework = round_.framework
        lang = language_of(person.locale)
        before = prompt_for(framework, person.state)
        if round_.status is not RoundStatus.OPEN:
            event = CloseRound()
        step = advance(framework, person.state, event)
        if step.state != person.state and round_.status is RoundStatus.OPEN:
            try:
                await self.store.save_progress(round_.id, person.user_id, step.state, step.changed)
            except RoundNotOpen:
                step = advance(framework, person.state, CloseRound())
        dm = person.dm_channel or (origin.channel if origin else None)
        if dm is None:
            dm = await self.slack.open_dm(person.user_id)
        await self._send(round_, person, before, step, dm, origin, lang)

    async def _send(
        self,
        round_: Round,
        person: Participant,
        before: Prompt,
        step: Transition,
        dm: str,
        origin: Origin | None,
        lang: str,
    ) -> None:
        if step.prompt == before and step.notice is None:
            return  # a replay that changed nothing: nothing to say
        area = round_.framework.area(step.changed[0]) if step.changed else None
        if step.prompt == before and step.notice is not None:
            await self.slack.post(dm, notice_text(step.notice, lang, area), thread_ts=None)
            return
        # The question (or invitation) the person was looking at now shows their choice.
        replaced = origin.ts if origin else person.prompt_ts
        if replaced and isinstance(before, Question):
            reply = step.state.answer(before.area.id).get(before.ask)
            done = blocks.answered(before, reply, lang)
            await self.slack.update(dm, replaced, done.text, done.blocks)
        elif replaced and isinstance(before, Invitation):
            await self.slack.update(
                dm, replaced, t(lang, "started"), blocks.note(t(lang, "started")).blocks
            )
        if step.notice is not None:
            await self.slack.post(dm, notice_text(step.notice, lang, area))
        message = self._render(round_, step.prompt, lang)
        ts = await self.slack.post(dm, message.text, message.blocks, metadata=message.metadata)
        area_id = step.prompt.area.id if isinstance(step.prompt, Question) else None
        ask = step.prompt.ask.value if isinstance(step.prompt, Question) else None
        await self.store.record_prompt(round_.id, person.user_id, dm, ts, area_id, ask)

    def _render(self, round_: Round, prompt: Prompt, lang: str) -> blocks.Message:
        framework = round_.framework
        if isinstance(prompt, Question):
            return blocks.question(
                prompt, lang, round_id=round_.id, channel_name=f"<#{round_.channel_id}>"
            )
        if isinstance(prompt, Review):
            return blocks.review(prompt, framework, lang, round_id=round_.id)
        if isinstance(prompt, Finished):
            return blocks.finished(prompt, framework, lang, round_id=round_.id)
        if isinstance(prompt, Invitation):
            return blocks.note(t(lang, "start_hint"))
        if isinstance(prompt, Declined):
            return blocks.note(t(lang, "declined"))
        if isinstance(prompt, Paused):
            return blocks.note(t(lang, "paused"))
        assert isinstance(prompt, Closed)
        return blocks.note(t(lang, "closed"))
