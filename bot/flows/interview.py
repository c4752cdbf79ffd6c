"""The interview: a pure state machine that walks one person through a framework.

``advance(framework, state, event)`` returns a `Transition`: the new state, what to show next
(a `Prompt`), an optional `Notice` about the input, and which areas' answers changed (the shell
persists those before showing the prompt). Nothing here does I/O or reads a clock.

States, in the manner of a conversation handler:

- ``INVITED``: waiting for Start (or Decline).
- ``ASKING``: waiting for an answer to the step at ``position``.
- ``REVIEW``: every step was passed; waiting for Finish or Change.
- ``FINISHED`` / ``DECLINED``: done for now, but Change, Start and Start over reopen the dialogue
  until the round closes.
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
        ),
        Level(
            2, "medium", Text("Medium", "Media", "Mittel"), Text("Matters.", "Importa.", "Wichtig.")
        ),
        Level(
            3, "high", Text("High", "Alta", "Hoch"), Text("Critical.", "Crítica.", "Entscheidend.")
        ),
    )
)
"""How important an area is to the person: asked when the framework sets ``ask_importance``."""


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


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Start:
    """Begin, continue or resume: shows the pending prompt."""


@dataclass(frozen=True)
class Answer:
    """A level for a step; ``area_id``/``ask`` name the step it answers (a button knows it).

    Without them it answers the pending question. An answer for an earlier step (a late or
    replayed click) is recorded there without moving on.
    """

    value: int
    area_id: str | None = None
    ask: Ask | None = None


@dataclass(frozen=True)
class NotSure:
    area_id: str | None = None
    ask: Ask | None = None


@dataclass(frozen=True)
class Skip:
    """Skip the pending question; skipping the current level skips the whole area."""

    area_id: str | None = None
    ask: Ask | None = None


@dataclass(frozen=True)
class Back:
    """Go to the previous question; a button names the question it was on (a replay is ignored)."""

    area_id: str | None = None
    ask: Ask | None = None


@dataclass(frozen=True)
class Change:
    """Revisit one area's questions, then return to the review."""

    area_id: str


@dataclass(frozen=True)
class Comment:
    """Attach a free-text comment to an area (default: the pending one)."""

    text: str
    area_id: str | None = None


@dataclass(frozen=True)
class Finish:
    """Submit from the review."""


@dataclass(frozen=True)
class StartOver:
    """Go back to the first question; earlier answers stay until overwritten."""


@dataclass(frozen=True)
class Decline:
    """Not now: leave the dialogue; Start reopens it."""


@dataclass(frozen=True)
class Help:
    """Show the pending prompt again with help."""


@dataclass(frozen=True)
class Pause:
    """Stop for now; the dialogue resumes at the same question."""


@dataclass(frozen=True)
class CloseRound:
    """The round was closed or cancelled."""


Event = (
    Start
    | Answer
    | NotSure
    | Skip
    | Back
    | Change
    | Comment
    | Finish
    | StartOver
    | Decline
    | Help
    | Pause
    | CloseRound
)


# --------------------------------------------------------------------------- output


@dataclass(frozen=True)
class Question:
    """Ask ``ask`` about ``area``: the ``index``-th area (0-based) of ``total``."""

    area: Area
    ask: Ask
    index: int
    total: int
    scale: Scale
    previous: Reply | None
    editing: bool

    @property
    def progress(self) -> tuple[int, int]:
        """(area number from 1, number of areas): "4 of 12"."""
        return self.index + 1, self.total


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
    pass


@dataclass(frozen=True)
class Paused:
    pass


@dataclass(frozen=True)
class Closed:
    pass


Prompt = Invitation | Question | Review | Finished | Declined | Paused | Closed


class Notice(StrEnum):
    """Something to tell the person about their input, beside the prompt."""

    RECORDED_EARLIER = "recorded_earlier"
    COMMENT_SAVED = "comment_saved"
    COMMENT_TOO_LONG = "comment_too_long"
    COMMENT_EMPTY = "comment_empty"
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


def steps(framework: Framework) -> tuple[tuple[int, Ask], ...]:
    """Every question in order: per area the current level, then target, then importance."""
    asks = [Ask.CURRENT]
    if framework.ask_target:
        asks.append(Ask.TARGET)
    if framework.ask_importance:
        asks.append(Ask.IMPORTANCE)
    return tuple((i, ask) for i in range(len(framework.areas)) for ask in asks)


def scale_for(framework: Framework, ask: Ask) -> Scale:
    """The options of a question: the framework's scale, or the importance scale."""
    return IMPORTANCE_SCALE if ask is Ask.IMPORTANCE else framework.scale


def prompt_for(framework: Framework, state: InterviewState) -> Prompt:
    """What to show for ``state`` (used to resume a dialogue without an input)."""
    if state.phase is Phase.INVITED:
        return Invitation(len(framework.areas))
    if state.phase is Phase.ASKING:
        area_index, ask = steps(framework)[state.position]
        area = framework.areas[area_index]
        return Question(
            area=area,
            ask=ask,
            index=area_index,
            total=len(framework.areas),
            scale=scale_for(framework, ask),
            previous=state.answer(area.id).get(ask),
            editing=state.editing,
        )
    if state.phase is Phase.REVIEW:
        pairs = _pairs(framework, state)
        missing = tuple(a.id for a, ans in pairs if ans.current is None)
        return Review(pairs, missing)
    if state.phase is Phase.FINISHED:
        return Finished(_pairs(framework, state))
    if state.phase is Phase.DECLINED:
        return Declined()
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
    if isinstance(event, Answer | NotSure | Skip):
        return _reply(framework, state, event)
    if isinstance(event, Comment):
        return _comment(framework, state, event)
    if isinstance(event, Start):
        if state.phase in (Phase.INVITED, Phase.DECLINED):
            state = replace(state, phase=Phase.ASKING, position=_first_open_step(framework, state))
        return _show(framework, state)
    if isinstance(event, StartOver):
        return _show(framework, replace(state, phase=Phase.ASKING, position=0, editing=False))
    if isinstance(event, Decline):
        if state.phase is Phase.FINISHED:
            return _show(framework, state, Notice.NOT_NOW)
        return _show(framework, replace(state, phase=Phase.DECLINED, editing=False))
    if isinstance(event, Pause):
        return Transition(state, Paused())
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


def _first_open_step(framework: Framework, state: InterviewState) -> int:
    """Where a (re)started dialogue continues: the first unanswered step, else the saved one."""
    all_steps = steps(framework)
    for i, (area_index, ask) in enumerate(all_steps):
        if state.answer(framework.areas[area_index].id).get(ask) is None:
            return i
    return min(state.position, len(all_steps) - 1)


def _step_index(framework: Framework, area_id: str, ask: Ask) -> int | None:
    for i, (area_index, step_ask) in enumerate(steps(framework)):
        if framework.areas[area_index].id == area_id and step_ask is ask:
            return i
    return None


def _reply(
    framework: Framework, state: InterviewState, event: Answer | NotSure | Skip
) -> Transition:
    all_steps = steps(framework)
    pending = state.position if state.phase is Phase.ASKING else None
    if event.area_id is None or event.ask is None:
        target = pending
    else:
        target = _step_index(framework, event.area_id, event.ask)
    if target is None:
        return _show(
            framework, state, Notice.NOT_NOW if event.area_id is None else Notice.UNKNOWN_AREA
        )
    area_index, ask = all_steps[target]
    area = framework.areas[area_index]
    if isinstance(event, Answer):
        if event.value not in scale_for(framework, ask).values:
            return _show(framework, state, Notice.NOT_A_LEVEL)
        reply: Reply = event.value
    else:
        reply = Mark.NOT_SURE if isinstance(event, NotSure) else Mark.SKIPPED
    answer = state.answer(area.id).with_reply(ask, reply)
    if ask is Ask.CURRENT:
        for later in (Ask.TARGET, Ask.IMPORTANCE):
            if _step_index(framework, area.id, later) is None:
                continue
            if isinstance(event, Skip):
                answer = answer.with_reply(later, Mark.SKIPPED)
            elif answer.get(later) is Mark.SKIPPED:  # the area is answered after all: ask again
                answer = answer.with_reply(later, None)
    if target != pending:
        # A late or replayed click for another step: record it, stay where the person is;
        # a replay that changes nothing is silently ignored.
        if answer == state.answer(area.id):
            return _show(framework, state)
        state = replace(state, answers={**state.answers, area.id: answer})
        return _show(framework, state, Notice.RECORDED_EARLIER, (area.id,))
    state = replace(state, answers={**state.answers, area.id: answer})
    next_position = target + 1
    if isinstance(event, Skip) and ask is Ask.CURRENT:
        while next_position < len(all_steps) and all_steps[next_position][0] == area_index:
            next_position += 1
    leaving_area = next_position >= len(all_steps) or all_steps[next_position][0] != area_index
    if next_position >= len(all_steps) or (state.editing and leaving_area):
        state = replace(state, phase=Phase.REVIEW, editing=False, position=len(all_steps) - 1)
    else:
        state = replace(state, position=next_position)
    return _show(framework, state, None, (area.id,))


def _comment(framework: Framework, state: InterviewState, event: Comment) -> Transition:
    area_id = event.area_id
    if area_id is None and state.phase is Phase.ASKING:
        area_id = framework.areas[steps(framework)[state.position][0]].id
    if area_id is None or area_id not in {a.id for a in framework.areas}:
        return _show(framework, state, Notice.UNKNOWN_AREA)
    text = event.text.strip()
    if not text:
        return _show(framework, state, Notice.COMMENT_EMPTY)
    if len(text) > MAX_COMMENT_CHARS:
        return _show(framework, state, Notice.COMMENT_TOO_LONG)
    answer = replace(state.answer(area_id), comment=text)
    state = replace(state, answers={**state.answers, area_id: answer})
    return _show(framework, state, Notice.COMMENT_SAVED, (area_id,))


def _change(framework: Framework, state: InterviewState, area_id: str) -> Transition:
    position = _step_index(framework, area_id, Ask.CURRENT)
    if position is None:
        return _show(framework, state, Notice.UNKNOWN_AREA)
    editing = state.phase in (Phase.REVIEW, Phase.FINISHED) or state.editing
    return _show(framework, replace(state, phase=Phase.ASKING, position=position, editing=editing))


def _back(framework: Framework, state: InterviewState, event: Back) -> Transition:
    all_steps = steps(framework)
    if state.phase is Phase.REVIEW:
        return _show(
            framework,
            replace(
                state, phase=Phase.ASKING, position=_landing(framework, state, len(all_steps) - 1)
            ),
        )
    if state.phase is not Phase.ASKING:
        return _show(framework, state, Notice.NOT_NOW)
    if (
        event.area_id is not None
        and _step_index(framework, event.area_id, event.ask or Ask.CURRENT) != state.position
    ):
        return _show(framework, state)  # a second click on an old Back button: already done
    if state.position == 0:
        return _show(framework, state, Notice.AT_FIRST_QUESTION)
    return _show(framework, replace(state, position=_landing(framework, state, state.position - 1)))


def _landing(framework: Framework, state: InterviewState, position: int) -> int:
    """Where going back to ``position`` lands: a skipped area is revisited at its first question."""
    area_id = framework.areas[steps(framework)[position][0]].id
    if state.answer(area_id).current is Mark.SKIPPED:
        return _step_index(framework, area_id, Ask.CURRENT) or 0
    return position
