"""Runs DM dialogues: applies an input to a person's interview, persists it, sends the next prompt.

The shell around `bot.flows.interview`: load state → advance → commit → (acknowledge) → send.
Inputs for one person's dialogue are applied one at a time, so a double click cannot post two
questions; a typed text is interpreted inside that turn, against the state it will change.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.flows.interview import (
    Closed,
    CloseRound,
    Comment,
    Declined,
    Event,
    Finished,
    Help,
    Invitation,
    Paused,
    Phase,
    Prompt,
    Question,
    Review,
    Start,
    Transition,
    advance,
    prompt_for,
)
from bot.flows.parser import Ambiguous, Unrecognized, interpret
from bot.i18n import language_of, t
from bot.posts import Outgoing, Posts
from bot.render.blocks import dialogue as blocks
from bot.render.blocks import nudges
from bot.render.dialogue import notice_text, options_hint, reask_text
from bot.slack_api import SlackCallFailed, SlackGateway
from bot.store import Participant, PostKey, PostKind, Round, RoundNotOpen, RoundStatus, Store

log = logging.getLogger(__name__)

SEND_CONCURRENCY = 4
RENDERED_QUESTIONS = 2048
ASKING = (Phase.ASKING, Phase.REVIEW)
WAITING = (Phase.INVITED, Phase.DECLINED)


@dataclass(frozen=True)
class Origin:
    """The message an input came from (a clicked button's message), to update in place."""

    channel: str
    ts: str


@dataclass(frozen=True)
class Typed:
    """Text the person wrote, to be interpreted against their state when their turn comes."""

    text: str


class NotYourDialogue(Exception):
    """The input names a round the person is not part of (a forged or stale payload)."""


Acknowledge = Callable[[], Awaitable[None]]


class Dialogues:
    """The DM side of the app."""

    def __init__(
        self,
        store: Store,
        slack: SlackGateway,
        posts: Posts,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store, self.slack, self.posts, self.clock = store, slack, posts, clock
        self._locks: defaultdict[tuple[int, str], asyncio.Lock] = defaultdict(asyncio.Lock)
        # Sending follows the acknowledgement; bounding it keeps a burst's acks quick.
        self._sending = asyncio.Semaphore(SEND_CONCURRENCY)
        self._questions: dict[tuple[object, ...], blocks.Message] = {}

    async def invite(self, round_: Round, person: Participant) -> None:
        """Send the invitation DM, exactly once (`bot.posts`): sending it records the person
        as invited and the invitation as their pending prompt."""
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
        key = PostKey(round_.id, PostKind.INVITATION, person.user_id)
        await self.posts.deliver(key, Outgoing(person.user_id, message.text, message.blocks))

    async def handle(
        self,
        round_id: int,
        user_id: str,
        event: Event | Typed,
        origin: Origin | None = None,
        acknowledge: Acknowledge | None = None,
    ) -> None:
        """Apply ``event`` to the person's dialogue in ``round_id`` and answer in their DM.

        ``acknowledge`` runs once the effect is committed and before any Slack call, so that
        what Slack was told is saved is saved.
        """
        async with self._locks[(round_id, user_id)]:
            round_ = await self.store.get_round(round_id)
            person = await self.store.participant(round_id, user_id)
            if round_ is None or person is None:
                raise NotYourDialogue(f"{user_id} is not in round {round_id}")
            await self._apply(round_, person, event, origin, acknowledge)

    async def handle_text(
        self,
        user_id: str,
        channel: str,
        text: str,
        thread_ts: str | None,
        saved: Acknowledge | None = None,
    ) -> None:
        """A message typed in the DM: a thread reply is a comment, anything else an answer.

        It goes to the question asked most recently; when several dialogues wait for an
        answer, the reply says which round it went to. ``saved`` runs once its effect is
        committed (before anything is sent).
        """
        if thread_ts is not None:
            ref = await self.store.prompt_message(channel, thread_ts)
            if ref is not None and ref.user_id == user_id and ref.area_id is not None:
                await self.handle(ref.round_id, user_id, Comment(text, ref.area_id), None, saved)
                return
        dialogues = await self.store.open_dialogues(user_id)
        asking = [(r, p) for r, p in dialogues if p.state.phase in ASKING]
        waiting = [(r, p) for r, p in dialogues if p.state.phase in WAITING]
        chosen = (asking or waiting or dialogues)[:1]
        if not chosen:
            if saved:
                await saved()
            user = await self.slack.user(user_id)
            await self.slack.post(channel, t(language_of(user.locale), "no_open_dialogue"))
            return
        round_, person = chosen[0]
        if len(asking) + len(waiting) > 1:
            lang = language_of(person.locale)
            await self.slack.post(
                channel, t(lang, "answer_went_to", channel=f"<#{round_.channel_id}>")
            )
        await self.handle(round_.id, user_id, Typed(text), None, saved)

    async def close(self, person: Participant, text: str) -> None:
        """Tell an invited person the round ended; their pending prompt loses its buttons."""
        if person.dm_channel is None:
            return
        if person.prompt_ts is not None:
            await self._update(person.dm_channel, person.prompt_ts, blocks.note(text))
        await self.slack.post(person.dm_channel, text)

    async def _apply(
        self,
        round_: Round,
        person: Participant,
        event: Event | Typed,
        origin: Origin | None,
        acknowledge: Acknowledge | None,
    ) -> None:
        framework = round_.framework
        lang = language_of(person.locale)
        before = prompt_for(framework, person.state)
        dm = person.dm_channel or (origin.channel if origin else None)
        if isinstance(event, Typed):
            parsed = interpret(event.text, before, tuple(a.id for a in framework.areas))
            if isinstance(parsed, Ambiguous | Unrecognized):
                if acknowledge:
                    await acknowledge()
                hint = (
                    options_hint(before.scale, lang)
                    if isinstance(before, Question)
                    else t(lang, "review_hint")
                )
                await self.slack.post(
                    dm or await self.slack.open_dm(person.user_id), reask_text(parsed, hint, lang)
                )
                return
            event = parsed
        if round_.status is not RoundStatus.OPEN:
            event = CloseRound()
        step = advance(framework, person.state, event)
        if step.state != person.state and round_.status is RoundStatus.OPEN:
            try:
                await self.store.save_progress(
                    round_.id, person.user_id, step.state, step.changed, self.clock()
                )
            except RoundNotOpen:
                step = advance(framework, person.state, CloseRound())
        if acknowledge:
            await acknowledge()
        async with self._sending:
            if dm is None:
                dm = await self.slack.open_dm(person.user_id)
            await self._send(round_, person, event, before, step, dm, origin, lang)

    async def _send(
        self,
        round_: Round,
        person: Participant,
        event: Event,
        before: Prompt,
        step: Transition,
        dm: str,
        origin: Origin | None,
        lang: str,
    ) -> None:
        area = round_.framework.area(step.changed[0]) if step.changed else None
        repeat = isinstance(event, Start | Help)  # "continue" / "help": show the question again
        if step.prompt == before and not repeat:
            if step.notice is not None:
                await self.slack.post(dm, notice_text(step.notice, lang, area))
            return  # a replay that changed nothing: nothing to say
        if step.notice is not None:
            await self.slack.post(dm, notice_text(step.notice, lang, area))
        message = self._render(round_, step.prompt, lang)
        ts = await self.slack.post(dm, message.text, message.blocks, metadata=message.metadata)
        area_id = step.prompt.area.id if isinstance(step.prompt, Question) else None
        ask = step.prompt.ask.value if isinstance(step.prompt, Question) else None
        await self.store.record_prompt(
            round_.id, person.user_id, dm, ts, area_id, ask, now=self.clock()
        )
        # Then, best effort, the message the person was looking at shows what happened to it.
        shown = origin.ts if origin else person.prompt_ts
        if shown and shown != ts and step.prompt != before:
            faded = self._faded(before, step, lang)
            if faded is not None:
                await self._update(dm, shown, faded)

    def _faded(self, before: Prompt, step: Transition, lang: str) -> blocks.Message | None:
        """What an earlier prompt becomes once the dialogue moved on (None: leave it)."""
        if isinstance(before, Question) and before.area.id in step.changed:
            return blocks.answered(before, step.state.answer(before.area.id).get(before.ask), lang)
        if isinstance(before, Question) and isinstance(step.prompt, Question):
            return blocks.note(t(lang, "went_back"))
        if isinstance(before, Invitation) and step.state.phase is Phase.ASKING:
            return blocks.note(t(lang, "started"))
        return None

    async def _update(self, channel: str, ts: str, message: blocks.Message) -> None:
        """Rewrite an earlier message; cosmetic, so a failure is logged, not raised."""
        try:
            await self.slack.update(channel, ts, message.text, message.blocks)
        except SlackCallFailed as exc:
            log.warning("could not update message %s: %s", ts, exc.error)

    def _render(self, round_: Round, prompt: Prompt, lang: str) -> blocks.Message:
        framework = round_.framework
        if isinstance(prompt, Question):
            # Everyone in a round gets the same questions: render each once.
            key = (round_.id, prompt.area.id, prompt.ask, prompt.previous, prompt.editing, lang)
            message = self._questions.get(key)
            if message is None:
                channel = f"<#{round_.channel_id}>"
                message = blocks.question(prompt, lang, round_id=round_.id, channel_name=channel)
                if len(self._questions) >= RENDERED_QUESTIONS:
                    self._questions.pop(next(iter(self._questions)))
                self._questions[key] = message
            return message
        if isinstance(prompt, Review):
            return blocks.review(prompt, framework, lang, round_id=round_.id)
        if isinstance(prompt, Finished):
            return blocks.finished(prompt, framework, lang, round_id=round_.id)
        if isinstance(prompt, Invitation):
            return blocks.note(t(lang, "start_hint"))
        if isinstance(prompt, Declined | Paused):
            said = t(lang, "declined" if isinstance(prompt, Declined) else "paused")
            return nudges.later(said, lang, round_id=round_.id)
        assert isinstance(prompt, Closed)
        return blocks.note(t(lang, "closed"))
