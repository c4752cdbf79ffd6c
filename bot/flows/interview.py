"""The interview: a pure state machine that walks one person through a framework.

``advance(framework, state, event)`` returns a `Transition`: the new state, what to show next
(a `Prompt`), an optional `Notice` about the input, and which areas' answers changed (the shell
persists those before showing the prompt). Nothing here does I/O or reads a clock.

States, in the manner of a conversation handler:

- ``INVITED``: waiting for Start (or Decline).
- ``ASKING``: showing the card of the area at ``position``. A card asks the current level and,
  when the framework wants them, the target and the importance, in any order; it moves on to
  the next open area by itself when a tap (or a typed reply) completes it. A card that was
  complete when shown (reached with Back or Change) stays until *Next* (`Skip`), unless one
  input answers all of it. A current level of *not sure* or *skipped* completes the card: a
  target for a state one cannot judge is optional.
- ``REVIEW``: every area was passed; waiting for Finish or Change.
- ``FINISHED``: submitted; Change and Start over reopen the dialogue until the round closes.
- ``DECLINED``: said not now, a snooze without a time: not finished (reminders still come);
  Start reopens the dialogue.
- ``CLOSED``: terminal; every input answers with the Closed prompt.

Every state accepts every event: an event that does not fit re-shows the pending prompt with a
notice, so nobody is ever stuck.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.answers import AreaAnswer, Ask, Mark, Reply
from bot.frameworks import Area, Framework, Level, Scale, Text

MAX_COMMENT_CHARS = 2000

IMPORTANCE_SCALE = Scale(
    (
        Level(
            1,
            "low",
            Text("Low", "Baja", "Niedrig"),
            Text("Nice to have.", "Deseable.", "Wünschenswert."),
            {
                "en": ("not important", "unimportant", "nice to have"),
                "es": (
                    "bajo",
                    "poco importante",
                    "no es importante",
                    "sin importancia",
                    "deseable",
                ),
                "de": ("gering", "unwichtig", "nicht wichtig", "wünschenswert"),
            },
        ),
        Level(
            2,
            "medium",
            Text("Medium", "Media", "Mittel"),
            Text("Matters.", "Importa.", "Wichtig."),
            {
                "en": ("mid", "important", "matters"),
                "es": ("medio", "importante", "importa"),
                "de": ("wichtig",),
            },
        ),
        Level(
            3,
            "high",
            Text("High", "Alta", "Hoch"),
            Text("Critical.", "Crítica.", "Entscheidend."),
            {
                "en": ("very important", "crucial", "essential"),
                "es": ("alto", "muy importante", "esencial", "imprescindible"),
                "de": ("sehr wichtig", "entscheidend", "unverzichtbar"),
            },
        ),
    )
)
"""How important an area is to the person: asked when the framework sets ``ask_importance``.
Its synonyms are the everyday answers to "how important?" (medium "matters", as its summary
says), each the whole reply (`bot.flows.parser.interpret`); none is "critical", a word for the
lowest level of cx-pillars on the same card."""


class Phase(StrEnum):
    INVITED = "invited"
    ASKING = "asking"
    REVIEW = "review"
    FINISHED = "finished"
    DECLINED = "declined"
    CLOSED = "closed"


@dataclass(frozen=True)
class InterviewState:
    """One person's dialogue in one round: everything needed to resume it."""

    phase: Phase = Phase.INVITED
    position: int = 0
    editing: bool = False
    answers: Mapping[str, AreaAnswer] = field(default_factory=dict)

    def answer(self, area_id: str) -> AreaAnswer:
        return self.answers.get(area_id, AreaAnswer())

    @property
    def answered(self) -> int:
        """How many areas have a current reply (a level, not sure or skipped): the progress."""
        return sum(1 for answer in self.answers.values() if answer.current is not None)

    @property
    def started(self) -> bool:
        """True once the person gave any answer or comment (who hears that the round closed)."""
        return bool(self.answers)


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Start:
    """Begin, continue or resume: shows the pending card."""


@dataclass(frozen=True)
class Answer:
    """A level for one question of a card; ``area_id``/``ask`` name it (a button knows them).

    Without ``area_id`` it answers the pending card; without ``ask``, the card's first open
    question (current, then target, then importance). An answer for another area than the
    pending one (a late or replayed click) is recorded there without moving on.
    """

    value: int
    area_id: str | None = None
    ask: Ask | None = None


@dataclass(frozen=True)
class Answers:
    """Current and target at once (typed "2 4"), with the importance where the card asks it
    ("2 4 3"), for the pending card."""

    current: int
    target: int
    importance: int | None = None


@dataclass(frozen=True)
class NotSure:
    """Not sure about ``ask`` (default: the card's first open question)."""

    area_id: str | None = None
    ask: Ask | None = None


@dataclass(frozen=True)
class Skip:
    """Leave the rest of the pending card unanswered and move on; with no current level given,
    the whole area is skipped. On a card that is already complete it is *Next*."""

    area_id: str | None = None


@dataclass(frozen=True)
class Back:
    """Go to the previous area; a button names the area it was on (a replay is ignored)."""

    area_id: str | None = None


@dataclass(frozen=True)
class Change:
    """Revisit one area's card, then return to the review."""

    area_id: str


@dataclass(frozen=True)
class Comment:
    """Add a free-text comment to an area (default: the pending one); a second one is appended."""

    text: str
    area_id: str | None = None


@dataclass(frozen=True)
class ReviseComment:
    """The person edited (``new``) or deleted (``new`` empty) a reply that added ``old`` to an
    area's comment: that part of the comment changes with it."""

    area_id: str
    old: str
    new: str = ""


@dataclass(frozen=True)
class Finish:
    """Submit from the review."""


@dataclass(frozen=True)
class StartOver:
    """Go back to the first area; earlier answers stay until overwritten."""


@dataclass(frozen=True)
class Decline:
    """Not now: leave the dialogue; Start reopens it."""


@dataclass(frozen=True)
class Help:
    """Say how to answer; the pending card stays as it is."""


@dataclass(frozen=True)
class Pause:
    """Stop for now; the dialogue resumes at the same card."""


@dataclass(frozen=True)
class CloseRound:
    """The round was closed or cancelled."""


Event = (
    Start
    | Answer
    | Answers
    | NotSure
    | Skip
    | Back
    | Change
    | Comment
    | ReviseComment
    | Finish
    | StartOver
    | Decline
    | Help
    | Pause
    | CloseRound
)


# --------------------------------------------------------------------------- output


def card_asks(framework: Framework) -> tuple[Ask, ...]:
    """What each area's card asks: the current level, then target and importance if wanted."""
    asks = [Ask.CURRENT]
    if framework.ask_target:
        asks.append(Ask.TARGET)
    if framework.ask_importance:
        asks.append(Ask.IMPORTANCE)
    return tuple(asks)


def missing(asks: tuple[Ask, ...], answer: AreaAnswer) -> tuple[Ask, ...]:
    """The questions of a card still to answer: none once the current level is skipped; once it
    is not sure, only the importance (a target for a state one cannot judge is optional, how
    much the area matters is not)."""
    if answer.current is Mark.SKIPPED:
        return ()
    if answer.current is Mark.NOT_SURE:
        asks = tuple(ask for ask in asks if ask is Ask.IMPORTANCE)
    return tuple(ask for ask in asks if answer.get(ask) is None)


def _options(scale: Scale, ask: Ask) -> Scale:
    """The options of a question: the framework's ``scale``, or the importance scale."""
    return IMPORTANCE_SCALE if ask is Ask.IMPORTANCE else scale


@dataclass(frozen=True)
class Question:
    """The card of ``area``, the ``index``-th (0-based) of ``total``, with what is given so far."""

    area: Area
    asks: tuple[Ask, ...]
    index: int
    total: int
    scale: Scale
    answer: AreaAnswer
    editing: bool

    @property
    def progress(self) -> tuple[int, int]:
        """(area number from 1, number of areas): "4 of 12"."""
        return self.index + 1, self.total

    @property
    def awaiting(self) -> Ask | None:
        """The first question of the card still open (a typed bare answer goes there)."""
        open_asks = missing(self.asks, self.answer)
        return open_asks[0] if open_asks else None

    @property
    def complete(self) -> bool:
        return not missing(self.asks, self.answer)

    @property
    def target_below_current(self) -> bool:
        """A target under today's level: accepted, but the card points it out."""
        current, target = self.answer.level(Ask.CURRENT), self.answer.level(Ask.TARGET)
        return current is not None and target is not None and target < current

    def scale_of(self, ask: Ask) -> Scale:
        """The options of one row: the framework's scale, or the importance scale."""
        return _options(self.scale, ask)


@dataclass(frozen=True)
class Invitation:
    areas: int


@dataclass(frozen=True)
class Review:
    """All answers so far, for the person to check, change or submit."""

    answers: tuple[tuple[Area, AreaAnswer], ...]
    unanswered: tuple[str, ...]


@dataclass(frozen=True)
class Finished:
    answers: tuple[tuple[Area, AreaAnswer], ...]


@dataclass(frozen=True)
class Declined:
    """Not now: the person is reminded later like anyone who has not finished."""

    started: bool
    """They gave an answer already: they continue rather than start."""


@dataclass(frozen=True)
class Paused:
    started: bool


@dataclass(frozen=True)
class Closed:
    pass


Prompt = Invitation | Question | Review | Finished | Declined | Paused | Closed


class Notice(StrEnum):
    """Something to tell the person about their input, beside the prompt."""

    RECORDED_EARLIER = "recorded_earlier"
    COMMENT_SAVED = "comment_saved"
    COMMENT_ADDED = "comment_added"
    COMMENT_TOO_LONG = "comment_too_long"
    COMMENT_EDIT_TOO_LONG = "comment_edit_too_long"
    COMMENT_EMPTY = "comment_empty"
    COMMENT_WITHDRAWN = "comment_withdrawn"
    COMMENT_EDITED = "comment_edited"
    AT_FIRST_QUESTION = "at_first_question"
    NOT_A_LEVEL = "not_a_level"
    UNKNOWN_AREA = "unknown_area"
    NOT_NOW = "not_now"
    HELP = "help"
    ROUND_CLOSED = "round_closed"


@dataclass(frozen=True)
class Transition:
    state: InterviewState
    prompt: Prompt
    notice: Notice | None = None
    changed: tuple[str, ...] = ()


# --------------------------------------------------------------------------- the machine


def prompt_for(framework: Framework, state: InterviewState) -> Prompt:
    """What to show for ``state`` (used to resume a dialogue without an input)."""
    if state.phase is Phase.INVITED:
        return Invitation(len(framework.areas))
    if state.phase is Phase.ASKING:
        index = min(state.position, len(framework.areas) - 1)
        area = framework.areas[index]
        return Question(
            area=area,
            asks=card_asks(framework),
            index=index,
            total=len(framework.areas),
            scale=framework.scale,
            answer=state.answer(area.id),
            editing=state.editing,
        )
    if state.phase is Phase.REVIEW:
        pairs = _pairs(framework, state)
        unanswered = tuple(a.id for a, ans in pairs if ans.current is None)
        return Review(pairs, unanswered)
    if state.phase is Phase.FINISHED:
        return Finished(_pairs(framework, state))
    if state.phase is Phase.DECLINED:
        return Declined(state.started)
    return Closed()


def advance(framework: Framework, state: InterviewState, event: Event) -> Transition:
    """Apply ``event`` to ``state``; never raises for any event in any state."""
    if state.phase is Phase.CLOSED or isinstance(event, CloseRound):
        closed = replace(state, phase=Phase.CLOSED, editing=False)
        notice = (
            Notice.ROUND_CLOSED
            if state.phase is Phase.CLOSED and not isinstance(event, CloseRound)
            else None
        )
        return Transition(closed, Closed(), notice)
    if isinstance(event, Answer | Answers | NotSure | Skip):
        return _reply(framework, state, event)
    if isinstance(event, Comment):
        return _comment(framework, state, event)
    if isinstance(event, ReviseComment):
        return _revise(framework, state, event)
    if isinstance(event, Start):
        if state.phase in (Phase.INVITED, Phase.DECLINED):
            state = replace(state, phase=Phase.ASKING, position=_first_open(framework, state))
        return _show(framework, state)
    if isinstance(event, StartOver):
        return _show(framework, replace(state, phase=Phase.ASKING, position=0, editing=False))
    if isinstance(event, Decline):
        if state.phase is Phase.FINISHED:
            return _show(framework, state, Notice.NOT_NOW)
        return _show(framework, replace(state, phase=Phase.DECLINED, editing=False))
    if isinstance(event, Pause):
        return Transition(state, Paused(state.started))
    if isinstance(event, Help):
        return _show(framework, state, Notice.HELP)
    if isinstance(event, Change):
        return _change(framework, state, event.area_id)
    if isinstance(event, Back):
        return _back(framework, state, event)
    if isinstance(event, Finish):
        if state.phase in (Phase.REVIEW, Phase.FINISHED):
            return _show(framework, replace(state, phase=Phase.FINISHED, editing=False))
        return _show(framework, state, Notice.NOT_NOW)
    raise AssertionError(f"unknown event {event!r}")  # pragma: no cover - Event is closed


def _show(
    framework: Framework,
    state: InterviewState,
    notice: Notice | None = None,
    changed: tuple[str, ...] = (),
) -> Transition:
    return Transition(state, prompt_for(framework, state), notice, changed)


def _pairs(framework: Framework, state: InterviewState) -> tuple[tuple[Area, AreaAnswer], ...]:
    return tuple((area, state.answer(area.id)) for area in framework.areas)


def _area_index(framework: Framework, area_id: str) -> int | None:
    for i, area in enumerate(framework.areas):
        if area.id == area_id:
            return i
    return None


def _open_after(framework: Framework, state: InterviewState, index: int) -> int | None:
    """The first area after ``index`` whose card still has open questions."""
    asks = card_asks(framework)
    for i in range(index + 1, len(framework.areas)):
        if missing(asks, state.answer(framework.areas[i].id)):
            return i
    return None


def _first_open(framework: Framework, state: InterviewState) -> int:
    """Where a (re)started dialogue continues: the first open area, else the saved one."""
    found = _open_after(framework, state, -1)
    return found if found is not None else min(state.position, len(framework.areas) - 1)


def _replies(
    framework: Framework, before: AreaAnswer, event: Answer | Answers | NotSure | Skip
) -> dict[Ask, Reply] | None:
    """What ``event`` answers on a card showing ``before``; None when it is not an option."""
    asks = card_asks(framework)
    if isinstance(event, Skip):
        return {
            ask: Mark.SKIPPED for ask in (asks if before.current is None else missing(asks, before))
        }
    if isinstance(event, Answers):
        wanted: dict[Ask, Reply] = {Ask.CURRENT: event.current, Ask.TARGET: event.target}
        if event.importance is not None:
            wanted[Ask.IMPORTANCE] = event.importance
    else:
        open_asks = missing(asks, before)
        ask = event.ask or (open_asks[0] if open_asks else Ask.CURRENT)
        wanted = {ask: event.value if isinstance(event, Answer) else Mark.NOT_SURE}
    for ask, reply in wanted.items():
        if ask not in asks:
            return None
        if isinstance(reply, int) and reply not in _options(framework.scale, ask).values:
            return None
    return dict(wanted)


def _reply(
    framework: Framework, state: InterviewState, event: Answer | Answers | NotSure | Skip
) -> Transition:
    pending = state.position if state.phase is Phase.ASKING else None
    area_id = None if isinstance(event, Answers) else event.area_id
    index = pending if area_id is None else _area_index(framework, area_id)
    if index is None:
        return _show(framework, state, Notice.NOT_NOW if area_id is None else Notice.UNKNOWN_AREA)
    area = framework.areas[index]
    if isinstance(event, Skip) and index != pending:
        return _show(framework, state)  # an old card's Skip: that card was left already
    before = state.answer(area.id)
    replies = _replies(framework, before, event)
    if replies is None:
        return _show(framework, state, Notice.NOT_A_LEVEL)
    answer = before
    for ask, reply in replies.items():
        answer = answer.with_reply(ask, reply)
    if replies.get(Ask.CURRENT) not in (None, Mark.SKIPPED):
        for later in (Ask.TARGET, Ask.IMPORTANCE):  # the area is answered after all: ask again
            if later not in replies and answer.get(later) is Mark.SKIPPED:
                answer = answer.with_reply(later, None)
    if answer == before and not isinstance(event, Skip):
        return _show(framework, state)  # a replay that changes nothing
    state = replace(state, answers={**state.answers, area.id: answer})
    if index != pending:
        return _show(framework, state, Notice.RECORDED_EARLIER, (area.id,))
    asks = card_asks(framework)
    alone = AreaAnswer()
    for ask, reply in replies.items():
        alone = alone.with_reply(ask, reply)
    moves_on = isinstance(event, Skip) or (
        not missing(asks, answer) and (bool(missing(asks, before)) or not missing(asks, alone))
    )
    changed = (area.id,) if answer != before else ()
    if not moves_on:
        return _show(framework, state, None, changed)  # the same card, updated
    following = None if state.editing else _open_after(framework, state, index)
    if following is None:
        state = replace(state, phase=Phase.REVIEW, editing=False, position=len(framework.areas) - 1)
    else:
        state = replace(state, position=following)
    return _show(framework, state, None, changed)


def _comment(framework: Framework, state: InterviewState, event: Comment) -> Transition:
    area_id = event.area_id
    if area_id is None and state.phase is Phase.ASKING:
        area_id = framework.areas[min(state.position, len(framework.areas) - 1)].id
    if area_id is None or _area_index(framework, area_id) is None:
        return _show(framework, state, Notice.UNKNOWN_AREA)
    text = event.text.strip()
    if not text:
        return _show(framework, state, Notice.COMMENT_EMPTY)
    earlier = state.answer(area_id).comment
    combined = f"{earlier}\n{text}" if earlier else text
    if len(combined) > MAX_COMMENT_CHARS:
        return _show(framework, state, Notice.COMMENT_TOO_LONG)
    answer = replace(state.answer(area_id), comment=combined)
    state = replace(state, answers={**state.answers, area_id: answer})
    notice = Notice.COMMENT_ADDED if earlier else Notice.COMMENT_SAVED
    return _show(framework, state, notice, (area_id,))


def _revise(framework: Framework, state: InterviewState, event: ReviseComment) -> Transition:
    """The reply's text, where it stands whole in the comment, replaced by its new text (or
    removed with its line break); an edit that would make the comment too long takes the
    reply out instead, until it is shortened. So a reply that is not there is not kept
    (refused as too long): its edit is a new comment, its deletion changes nothing."""
    comment = state.answer(event.area_id).comment or ""
    old, new = event.old.strip(), event.new.strip()
    if old == new or _area_index(framework, event.area_id) is None:
        return _show(framework, state)
    at = _whole_part(comment, old) if old else None
    if at is None:
        return (
            _comment(framework, state, Comment(new, event.area_id))
            if new
            else _show(framework, state)
        )
    before, after = comment[:at], comment[at + len(old) :]
    revised = before + new + after
    if not new or len(revised) > MAX_COMMENT_CHARS:  # the line break joining it goes too
        before, after = (before[:-1], after) if before else (before, after[1:])
        notice = Notice.COMMENT_WITHDRAWN if not new else Notice.COMMENT_EDIT_TOO_LONG
        revised = before + after
    else:
        notice = Notice.COMMENT_EDITED
    answer = replace(state.answer(event.area_id), comment=revised or None)
    state = replace(state, answers={**state.answers, event.area_id: answer})
    return _show(framework, state, notice, (event.area_id,))


def _whole_part(comment: str, part: str) -> int | None:
    """Where ``part`` stands in ``comment`` as whole lines (a reply joined to the others by a
    line break), else None."""
    at = comment.find(part)
    while at != -1:
        end = at + len(part)
        if (at == 0 or comment[at - 1] == "\n") and (end == len(comment) or comment[end] == "\n"):
            return at
        at = comment.find(part, at + 1)
    return None


def _change(framework: Framework, state: InterviewState, area_id: str) -> Transition:
    position = _area_index(framework, area_id)
    if position is None:
        return _show(framework, state, Notice.UNKNOWN_AREA)
    editing = state.phase in (Phase.REVIEW, Phase.FINISHED) or state.editing
    return _show(framework, replace(state, phase=Phase.ASKING, position=position, editing=editing))


def _back(framework: Framework, state: InterviewState, event: Back) -> Transition:
    last = len(framework.areas) - 1
    if state.phase is Phase.REVIEW:
        return _show(framework, replace(state, phase=Phase.ASKING, position=last))
    if state.phase is not Phase.ASKING:
        return _show(framework, state, Notice.NOT_NOW)
    if event.area_id is not None and event.area_id != framework.areas[min(state.position, last)].id:
        return _show(framework, state)  # a second click on an old Back button: already done
    if state.position == 0:
        return _show(framework, state, Notice.AT_FIRST_QUESTION)
    return _show(framework, replace(state, position=min(state.position, last) - 1))
