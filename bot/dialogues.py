"""Runs DM dialogues: applies an input to a person's interview, persists it, sends the next prompt.

The shell around `bot.flows.interview`: load state → advance → commit → send. The input was kept
in the inbox (`bot.handlers.middleware`) before Slack was told it arrived.
Inputs for one person's dialogue are applied one at a time, so a double click cannot post two
questions; a typed text is interpreted inside that turn, against the state it will change.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.analysis import Feedback, feedback
from bot.answers import AreaAnswer
from bot.flows.interview import (
    Back,
    Closed,
    CloseRound,
    Comment,
    Declined,
    Event,
    Finish,
    Finished,
    Help,
    Invitation,
    Notice,
    Paused,
    Phase,
    Prompt,
    Question,
    Review,
    ReviseComment,
    Start,
    Transition,
    advance,
    prompt_for,
)
from bot.flows.parser import Ambiguous, Reask, Unrecognized, WhichArea, interpret
from bot.frameworks import Area
from bot.i18n import language_of, t
from bot.model import Participant, PostKey, PostKind, Round, RoundStatus
from bot.posts import Outgoing, Posts
from bot.render.blocks import dialogue as blocks
from bot.render.dialogue import later_text, local_deadline, notice_text, reask_hint, reask_text
from bot.slack_api import SlackCallFailed, SlackGateway
from bot.storage import Progress, Store
from bot.workspaces import belongs

log = logging.getLogger(__name__)

SEND_CONCURRENCY = 4
RENDERED_CARDS = 2048
ASKING = (Phase.ASKING, Phase.REVIEW)
WAITING = (Phase.INVITED, Phase.DECLINED)


@dataclass(frozen=True)
class Origin:
    """The message an input came from (a clicked button's message), to update in place, with
    the click's ``response_url`` when Slack gave one."""

    channel: str
    ts: str
    response_url: str | None = None


@dataclass(frozen=True)
class Typed:
    """Text the person wrote, to be interpreted against their state when their turn comes."""

    text: str


@dataclass(frozen=True)
class _Step:
    """An input's effect on the dialogue; ``saves`` when it changes what is stored."""

    event: Event
    step: Transition
    saves: bool


class NotYourDialogue(Exception):
    """The input names a round the person is not part of (a forged or stale payload)."""


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
        # Per person, while they have an input under way (a lock held or awaited stays here).
        self._locks: weakref.WeakValueDictionary[tuple[int, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        # Sending follows the acknowledgement; bounding it keeps a burst's acks quick.
        self._sending = asyncio.Semaphore(SEND_CONCURRENCY)
        self._cards: dict[tuple[object, ...], blocks.Message] = {}
        self._groups: dict[int, bool] = {}  # `_group_shown`, per follow-up round
        self._links: dict[tuple[str, str], str | None] = {}  # `_discussion`: (channel, ts)

    async def invite(self, round_: Round, person: Participant) -> None:
        """Send the invitation DM, exactly once (`bot.posts`): sending it records the person
        as invited and the invitation as their pending prompt."""
        message = await self._invitation(round_, person)
        key = PostKey(round_.id, PostKind.INVITATION, person.user_id)
        await self.posts.deliver(key, Outgoing(person.user_id, message.text, message.blocks))

    async def handle(
        self,
        round_id: int,
        user_id: str,
        event: Event | Typed,
        origin: Origin | None = None,
        request: str | None = None,
    ) -> None:
        """Apply ``event`` to the person's dialogue in ``round_id`` and answer in their DM.

        One transaction reads the dialogue, decides, saves the step and marks the kept
        ``request`` (the answer, typed or clicked, in the inbox) applied (`Store.turn`).
        """
        lock = self._locks.setdefault((round_id, user_id), asyncio.Lock())
        async with lock:  # this instance sends in input order
            invitation = isinstance(event, Start) and await self._on_invitation(origin)

            def decide(
                round_: Round, person: Participant
            ) -> tuple[_Step | Reask | None, Progress | None]:
                if not belongs(round_.team_id):
                    raise NotYourDialogue(f"{user_id} is not in round {round_id}")
                if invitation and person.state.phase in ASKING:
                    return None, None  # a second tap on the invitation's Start, already done
                decided = self._decide(round_, person, event)
                if isinstance(decided, _Step) and decided.saves:
                    step = decided.step
                    return decided, Progress(step.state, step.changed, self.clock())
                return decided, None

            turn = await self.store.turn(round_id, user_id, decide, request)
            round_, person, decided = turn.round, turn.person, turn.decided
            if round_ is None or person is None:
                raise NotYourDialogue(f"{user_id} is not in round {round_id}")
            if turn.repeat:
                return  # applied already: by the instance that received it, or a replay
            if turn.refused and isinstance(decided, _Step):  # the round closed meanwhile
                round_ = await self.store.get_round(round_id) or round_  # closed or canceled
                closed = advance(round_.framework, person.state, CloseRound())
                decided = _Step(decided.event, closed, False)
            if decided is not None:
                await self._answer(round_, person, decided, origin)

    async def _on_invitation(self, origin: Origin | None) -> bool:
        """Whether a click came from the invitation: the one recorded prompt with a Start button
        (its card has none, and it names no area)."""
        if origin is None:
            return False
        ref = await self.store.prompt_message(origin.channel, origin.ts)
        return ref is not None and ref.area_id is None and ref.ask is None

    async def handle_text(
        self,
        user_id: str,
        channel: str,
        text: str,
        thread_ts: str | None,
        request: str | None = None,
    ) -> None:
        """A message typed in the DM: a thread reply is a comment, anything else an answer.

        It goes to the question asked most recently; when several dialogues wait for an
        answer, the reply says which round it went to. ``request``: the inbox key under which
        the text was kept, marked applied with its effect (before anything is sent).
        """
        if thread_ts is not None:
            ref = await self.store.prompt_message(channel, thread_ts)
            if ref is not None and ref.user_id == user_id and ref.area_id is not None:
                comment = Comment(text, ref.area_id)
                await self.handle(ref.round_id, user_id, comment, request=request)
                return
        dialogues = [d for d in await self.store.open_dialogues(user_id) if belongs(d[0].team_id)]
        asking = [(r, p) for r, p in dialogues if p.state.phase in ASKING]
        waiting = [(r, p) for r, p in dialogues if p.state.phase in WAITING]
        chosen = (asking or waiting or dialogues)[:1]
        if not chosen:
            if request is not None:
                await self.store.mark_done(request)
            user = await self.slack.user(user_id)
            await self.slack.post(channel, t(language_of(user.locale), "no_open_dialogue"))
            return
        round_, person = chosen[0]
        if len(asking) + len(waiting) > 1:
            lang = language_of(person.locale)
            await self.slack.post(
                channel, t(lang, "answer_went_to", channel=f"<#{round_.channel_id}>")
            )
        await self.handle(round_.id, user_id, Typed(text), request=request)

    async def revise(
        self,
        user_id: str,
        channel: str,
        thread_ts: str,
        old: str,
        new: str,
        request: str | None = None,
    ) -> None:
        """A reply edited or deleted in a card's thread: the area's comment follows it (the
        person may take back what they wrote until the round closes); other threads' replies
        change nothing. ``request``: as for `handle_text`."""
        ref = await self.store.prompt_message(channel, thread_ts)
        if ref is None or ref.user_id != user_id or ref.area_id is None:
            if request is not None:
                await self.store.mark_done(request)
            return
        revised = ReviseComment(ref.area_id, old, new)
        await self.handle(ref.round_id, user_id, revised, request=request)

    async def close(self, person: Participant, text: str) -> None:
        """Tell a person that the round ended: one new short message (earlier messages, such as
        the thank-you with their answers, stay as they are)."""
        if person.dm_channel is not None:
            await self.slack.post(person.dm_channel, text)

    async def details(self, round_id: int, user_id: str, area_id: str, trigger_id: str) -> None:
        """Open the modal with an area's full level descriptions (the card shows one line each)."""
        round_ = await self.store.get_round(round_id)
        person = await self.store.participant(round_id, user_id)
        if round_ is None or person is None or not belongs(round_.team_id):
            raise NotYourDialogue(f"{user_id} is not in round {round_id}")
        area = round_.framework.area(area_id)
        view = blocks.details(area, round_.framework, language_of(person.locale))
        await self.slack.open_view(trigger_id, view)

    def _decide(self, round_: Round, person: Participant, event: Event | Typed) -> _Step | Reask:
        """What an input does to the dialogue (a typed text is interpreted first): the step,
        or what to ask again."""
        framework = round_.framework
        if isinstance(event, Typed):
            before = prompt_for(framework, person.state)
            parsed = interpret(event.text, before, tuple(a.id for a in framework.areas))
            if isinstance(parsed, Ambiguous | Unrecognized | WhichArea):
                return parsed
            event = parsed
        open_ = round_.status is RoundStatus.OPEN
        step = advance(framework, person.state, event if open_ else CloseRound())
        return _Step(event, step, step.state != person.state and open_)

    async def _answer(
        self, round_: Round, person: Participant, decided: _Step | Reask, origin: Origin | None
    ) -> None:
        """Send what the input's outcome shows the person (after it is committed)."""
        lang = language_of(person.locale)
        before = prompt_for(round_.framework, person.state)
        async with self._sending:
            dm = person.dm_channel or (origin.channel if origin else None)
            if dm is None:
                dm = await self.slack.open_dm(person.user_id)
            if isinstance(decided, _Step):
                await self._send(
                    round_, person, decided.event, before, decided.step, dm, origin, lang
                )
            else:
                message = self._reask(round_, before, decided, lang)
                await self.slack.post(dm, message.text, message.blocks)

    def _reask(self, round_: Round, before: Prompt, reask: Reask, lang: str) -> blocks.Message:
        """One short line, with the buttons that answer it."""
        framework = round_.framework
        if isinstance(before, Question):
            text = reask_text(reask, reask_hint(before, lang), framework, lang)
            only = (
                tuple(lv.value for lv in reask.candidates) if isinstance(reask, Ambiguous) else None
            )
            return blocks.reask(text, blocks.level_buttons(before, lang, round_.id, only))
        text = reask_text(reask, t(lang, "review_hint"), framework, lang)
        if isinstance(reask, WhichArea):
            area = framework.areas[reask.number - 1]
            return blocks.reask(text, [blocks.change_button(area, lang, round_.id)])
        if isinstance(before, Review):
            return blocks.reask(text, [blocks.submit_button(lang, round_.id)])
        return blocks.reask(text, [])

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
        """Show the outcome: a notice, then the prompt, by updating the message in view when
        the prompt is the same card (or the review becoming the thank-you), else posting it
        and fading the message it replaces."""
        area = round_.framework.area(step.changed[0]) if step.changed else None
        if step.notice is not None:
            await self.slack.post(dm, notice_text(step.notice, lang, area))
        if isinstance(step.prompt, Closed):
            if isinstance(before, Closed) or isinstance(event, ReviseComment):
                # a button (or a card's thread) used after the round ended: say where it went
                key = "after_close" if round_.status is RoundStatus.CLOSED else "after_cancel"
                if key == "after_close" and isinstance(event, ReviseComment):
                    key = "revise_after_close"  # the report keeps the comment as it was
                await self.slack.post(dm, t(lang, key, channel=f"<#{round_.channel_id}>"))
                return
            event = CloseRound()  # the round ended before this input: the card shows so
        live = person.prompt_ts
        if isinstance(event, Help | Comment | ReviseComment) or (
            step.prompt == before and not isinstance(event, Start)
        ):
            if origin and origin.ts != live and step.notice is Notice.RECORDED_EARLIER and area:
                # a late click on an earlier card: that card shows the answer it now holds
                answer = step.state.answer(area.id)
                card = self._answered(round_, area, answer, lang)
                await self._update(dm, origin.ts, card, origin)
            return  # help and a saved comment are one line; a replay changed nothing
        feedback = discussion = None
        if isinstance(step.prompt, Question) and round_.followup_of is not None:
            feedback = await self._feedback(round_, person.user_id, step.prompt.area.id)
            discussion = await self._discussion(round_.followup_of, step.prompt.area.id)
        message = self._render(round_, step.prompt, lang, feedback, discussion)
        in_place = (
            isinstance(before, Question)
            and isinstance(step.prompt, Question)
            and before.area.id == step.prompt.area.id
            and not isinstance(event, Start | Back)
        ) or (isinstance(before, Review) and isinstance(event, Finish))
        if in_place and live is not None:
            await self._update(dm, live, message, origin)
            return
        ts = await self.slack.post(dm, message.text, message.blocks, metadata=message.metadata)
        if not isinstance(step.prompt, Question | Review | Finished):
            return  # a note (paused, declined, closed): the message in view stays in view
        area_id = step.prompt.area.id if isinstance(step.prompt, Question) else None
        await self.store.record_prompt(
            round_.id, person.user_id, dm, ts, area_id, None, now=self.clock()
        )
        # Then, best effort, the message the person was looking at shows what happened to it.
        if live and live != ts:
            faded = await self._faded(round_, person, before, step, event, lang)
            if faded is not None:
                await self._update(dm, live, faded, origin)

    async def _faded(
        self,
        round_: Round,
        person: Participant,
        before: Prompt,
        step: Transition,
        event: Event,
        lang: str,
    ) -> blocks.Message | None:
        """What the message in view becomes once a new one is posted (None: leave it)."""
        if isinstance(before, Question):
            if isinstance(event, Start):
                return blocks.note(t(lang, "moved_below"))
            if isinstance(event, Back):
                return blocks.note(t(lang, "went_back"))
            answer = step.state.answer(before.area.id)
            return self._answered(round_, before.area, answer, lang)
        if isinstance(before, Invitation) and step.state.phase is Phase.ASKING:
            return await self._invitation(round_, person, started=True)
        if isinstance(before, Review) and isinstance(step.prompt, Question | Review):
            return blocks.note(t(lang, "moved_below"))
        return None

    async def _invitation(
        self, round_: Round, person: Participant, started: bool = False
    ) -> blocks.Message:
        lang = language_of(person.locale)
        group = round_.iteration > 1 and await self._group_shown(round_)
        deadline = local_deadline(round_.deadline, person.tz, lang) if round_.deadline else None
        return blocks.invitation(
            round_.framework,
            lang,
            round_id=round_.id,
            starter=round_.started_by,
            channel=round_.channel_id,
            deadline=deadline,
            started=started,
            iteration=round_.iteration,
            group=group,
        )

    async def _group_shown(self, round_: Round) -> bool:
        """Whether a follow-up's cards show how the group answered in any area (enough people
        to do so anonymously): its invitation promises that only then. Cached per round (the
        previous iteration is closed, its report settled)."""
        shown = self._groups.get(round_.id)
        if shown is None:
            assert round_.followup_of is not None
            before = await self.store.iteration_round(round_.followup_of, round_.iteration - 1)
            result = before.result if before is not None else None
            shown = result is not None and any(
                feedback(result, area.id, None, round_.followup_of, round_.iteration).distribution
                is not None
                for area in round_.framework.areas
            )
            self._groups[round_.id] = shown
        return shown

    async def _update(
        self, channel: str, ts: str, message: blocks.Message, origin: Origin | None = None
    ) -> None:
        """Rewrite an earlier message: the clicked one through the click's ``response_url``
        (outside ``chat.update``'s rate tier), else, or when that fails, with ``chat.update``.
        Cosmetic, so a failure is logged, not raised."""
        if origin is not None and origin.ts == ts and origin.response_url:
            try:
                await self.slack.replace(origin.response_url, message.text, message.blocks)
                return
            except SlackCallFailed:
                pass  # expired or used up: the Web API still can
        try:
            await self.slack.update(channel, ts, message.text, message.blocks)
        except SlackCallFailed as exc:
            log.warning("could not update message %s: %s", ts, exc.error)

    async def _feedback(self, round_: Round, user_id: str, area_id: str) -> Feedback | None:
        """A follow-up card's view of the previous iteration (its stored report) and of the
        person's own answer there."""
        assert round_.followup_of is not None
        before = await self.store.iteration_round(round_.followup_of, round_.iteration - 1)
        if before is None or before.result is None:
            return None
        earlier = await self.store.participant(before.id, user_id)
        own = earlier.state.answer(area_id).current if earlier else None
        return feedback(before.result, area_id, own, round_.followup_of, round_.iteration)

    async def _discussion(self, first_round: int, area_id: str) -> str | None:
        """The link to the area's discussion thread in the first round's channel, for a
        follow-up card; None without a thread (yet), or when Slack gives no link: the card goes
        out without it. Slack is asked once per thread, and again only after a passing failure."""
        where = await self.store.discussion_thread(first_round, area_id)
        if where is None:
            return None
        if where not in self._links:
            try:
                self._links[where] = await self.slack.permalink(*where)
            except SlackCallFailed as exc:
                log.warning("no link to the discussion of %s: %s", area_id, exc.error)
                if exc.transient:
                    return None  # asked again for the next card
                self._links[where] = None  # refused for good (the thread is gone)
        return self._links[where]

    def _rendered(
        self, key: tuple[object, ...], render: Callable[[], blocks.Message]
    ) -> blocks.Message:
        """Many people in a round see the same cards: each is rendered (and validated) once."""
        message = self._cards.get(key)
        if message is None:
            message = render()
            if len(self._cards) >= RENDERED_CARDS:
                self._cards.pop(next(iter(self._cards)))
            self._cards[key] = message
        return message

    def _answered(self, round_: Round, area: Area, answer: AreaAnswer, lang: str) -> blocks.Message:
        """A card that was answered, as it stays in the DM."""
        return self._rendered(
            ("answered", round_.id, area.id, answer, lang),
            lambda: blocks.answered(area, answer, round_.framework, lang),
        )

    def _render(
        self,
        round_: Round,
        prompt: Prompt,
        lang: str,
        feedback: Feedback | None = None,
        discussion: str | None = None,
    ) -> blocks.Message:
        framework = round_.framework
        if isinstance(prompt, Question):
            key = (round_.id, prompt.area.id, prompt.answer, prompt.editing, lang, feedback)
            return self._rendered(
                (*key, discussion),
                lambda: blocks.card(
                    prompt, lang, round_id=round_.id, feedback=feedback, discussion=discussion
                ),
            )
        if isinstance(prompt, Review):
            return blocks.review(prompt, framework, lang, round_id=round_.id)
        if isinstance(prompt, Finished):
            return blocks.finished(prompt, framework, lang, round_id=round_.id)
        if isinstance(prompt, Invitation):
            return blocks.note(t(lang, "start_hint"))
        if isinstance(prompt, Declined | Paused):
            started = isinstance(prompt, Paused) or prompt.started  # paused on a card: Continue
            text = later_text(prompt, lang)
            return blocks.reminder(text, lang, round_id=round_.id, started=started)
        assert isinstance(prompt, Closed)
        return blocks.note(t(lang, "closed"))
