"""The interview state machine, driven through whole dialogues of every bundled framework."""

from __future__ import annotations

import itertools

import pytest
import yaml

from bot.answers import AreaAnswer, Ask, Mark
from bot.flows.interview import (
    Answer,
    Back,
    Change,
    Closed,
    CloseRound,
    Comment,
    Decline,
    Declined,
    Event,
    Finish,
    Finished,
    Help,
    InterviewState,
    Invitation,
    Notice,
    NotSure,
    Pause,
    Paused,
    Phase,
    Question,
    Review,
    Skip,
    Start,
    StartOver,
    Transition,
    advance,
    prompt_for,
    steps,
)
from bot.frameworks import Framework, load_catalog, parse_framework
from tests.samples import MINI_YAML

CATALOG = load_catalog()
MINI = parse_framework(yaml.safe_load(MINI_YAML))


def drive(framework: Framework, *events: Event, state: InterviewState | None = None) -> Transition:
    state = state or InterviewState()
    transition = Transition(state, prompt_for(framework, state))
    for event in events:
        transition = advance(framework, transition.state, event)
    return transition


def question(t: Transition) -> Question:
    assert isinstance(t.prompt, Question), t.prompt
    return t.prompt


@pytest.mark.parametrize("fid", sorted(CATALOG.frameworks))
def test_whole_interview_of_every_bundled_framework(fid: str) -> None:
    fw = CATALOG.get(fid)
    t = drive(fw, Start())
    asked: list[tuple[str, Ask]] = []
    while isinstance(t.prompt, Question):
        q = t.prompt
        asked.append((q.area.id, q.ask))
        assert q.progress == (fw.areas.index(q.area) + 1, len(fw.areas))
        value = q.scale.values[len(asked) % len(q.scale.values)]
        t = advance(fw, t.state, Answer(value))
        assert t.changed == (q.area.id,)
    assert asked == [(fw.areas[i].id, ask) for i, ask in steps(fw)]
    expected_asks = 1 + fw.ask_target + fw.ask_importance
    assert len(asked) == len(fw.areas) * expected_asks
    assert isinstance(t.prompt, Review) and t.prompt.unanswered == ()
    done = advance(fw, t.state, Finish())
    assert done.state.phase is Phase.FINISHED and isinstance(done.prompt, Finished)
    assert all(ans.has_level for _, ans in done.prompt.answers)


def test_invitation_then_start_asks_the_first_area_current_level() -> None:
    t = drive(MINI)
    assert isinstance(t.prompt, Invitation) and t.prompt.areas == 2
    q = question(drive(MINI, Start()))
    assert (q.area.id, q.ask, q.progress, q.previous) == ("alpha", Ask.CURRENT, (1, 2), None)


def test_answers_move_through_current_then_target() -> None:
    t = drive(MINI, Start(), Answer(1))
    q = question(t)
    assert (q.area.id, q.ask) == ("alpha", Ask.TARGET)
    assert t.state.answer("alpha") == AreaAnswer(current=1)
    q = question(advance(MINI, t.state, Answer(3)))
    assert (q.area.id, q.ask, q.progress) == ("beta", Ask.CURRENT, (2, 2))


def test_not_sure_is_kept_apart_from_levels() -> None:
    t = drive(MINI, Start(), NotSure(), Answer(2))
    answer = t.state.answer("alpha")
    assert answer.current is Mark.NOT_SURE and answer.level(Ask.CURRENT) is None
    assert answer.target == 2 and not answer.has_level


def test_skipping_the_current_level_skips_the_whole_area() -> None:
    t = drive(MINI, Start(), Skip())
    assert t.state.answer("alpha") == AreaAnswer(current=Mark.SKIPPED, target=Mark.SKIPPED)
    assert question(t).area.id == "beta"
    back = question(advance(MINI, t.state, Back()))
    assert (back.area.id, back.ask, back.previous) == ("alpha", Ask.CURRENT, Mark.SKIPPED)


def test_skipping_a_target_only_skips_the_target() -> None:
    t = drive(MINI, Start(), Answer(2), Skip())
    assert t.state.answer("alpha") == AreaAnswer(current=2, target=Mark.SKIPPED)


def test_back_shows_the_previous_answer_and_allows_changing_it() -> None:
    t = drive(MINI, Start(), Answer(1), Back())
    q = question(t)
    assert (q.area.id, q.ask, q.previous) == ("alpha", Ask.CURRENT, 1)
    t = advance(MINI, t.state, Answer(2))
    assert t.state.answer("alpha").current == 2 and question(t).ask is Ask.TARGET


def test_back_at_the_first_question_says_so_and_stays() -> None:
    t = drive(MINI, Start(), Back())
    assert t.notice is Notice.AT_FIRST_QUESTION and question(t).area.id == "alpha"


def test_review_lists_unanswered_areas_and_back_returns_to_last_question() -> None:
    t = drive(MINI, Start(), Skip(), Answer(2), NotSure())
    assert isinstance(t.prompt, Review)
    assert t.prompt.unanswered == ()
    assert [a.id for a, _ in t.prompt.answers] == ["alpha", "beta"]
    back = question(advance(MINI, t.state, Back()))
    assert (back.area.id, back.ask) == ("beta", Ask.TARGET)


def test_change_after_review_returns_to_review() -> None:
    t = drive(MINI, Start(), Answer(1), Answer(2), Answer(1), Answer(3))
    assert isinstance(t.prompt, Review)
    t = advance(MINI, t.state, Change("alpha"))
    q = question(t)
    assert (q.area.id, q.ask, q.previous, q.editing) == ("alpha", Ask.CURRENT, 1, True)
    t = advance(MINI, advance(MINI, t.state, Answer(2)).state, Answer(3))
    assert isinstance(t.prompt, Review)
    assert t.state.answer("alpha") == AreaAnswer(current=2, target=3)
    assert t.state.answer("beta") == AreaAnswer(current=1, target=3)


def test_change_after_finishing_reopens_until_finished_again() -> None:
    t = drive(MINI, Start(), Answer(1), Answer(2), Answer(1), Answer(3), Finish())
    assert t.state.phase is Phase.FINISHED
    t = advance(MINI, t.state, Change("beta"))
    assert t.state.phase is Phase.ASKING and question(t).area.id == "beta"
    t = drive(MINI, Answer(3), Answer(3), Finish(), state=t.state)
    assert t.state.phase is Phase.FINISHED and t.state.answer("beta").current == 3


def test_late_click_for_an_earlier_question_is_recorded_without_moving_on() -> None:
    t = drive(MINI, Start(), Answer(1), Answer(2))
    late = advance(MINI, t.state, Answer(3, area_id="alpha", ask=Ask.CURRENT))
    assert late.notice is Notice.RECORDED_EARLIER and late.changed == ("alpha",)
    assert late.state.answer("alpha").current == 3
    assert question(late).area.id == "beta" and late.state.position == t.state.position


def test_replayed_click_for_the_pending_question_is_idempotent() -> None:
    first = drive(MINI, Start(), Answer(2, area_id="alpha", ask=Ask.CURRENT))
    again = advance(MINI, first.state, Answer(2, area_id="alpha", ask=Ask.CURRENT))
    assert again.state == first.state
    assert (again.notice, again.changed, again.prompt) == (None, (), first.prompt)


def test_a_value_outside_the_scale_is_never_recorded() -> None:
    t = drive(MINI, Start(), Answer(9))
    assert t.notice is Notice.NOT_A_LEVEL and t.state.answers == {} and t.changed == ()


def test_unknown_area_is_refused() -> None:
    for event in (Change("nope"), Answer(1, area_id="nope", ask=Ask.CURRENT), Comment("x", "nope")):
        t = drive(MINI, Start(), event)
        assert t.notice is Notice.UNKNOWN_AREA and t.state.answers == {}


def test_comments_attach_to_the_pending_area_and_are_bounded() -> None:
    t = drive(MINI, Start(), Comment("  Our IVR is a maze.  "))
    assert t.notice is Notice.COMMENT_SAVED and t.changed == ("alpha",)
    assert t.state.answer("alpha").comment == "Our IVR is a maze."
    assert drive(MINI, Start(), Comment("x" * 2001)).notice is Notice.COMMENT_TOO_LONG
    assert drive(MINI, Start(), Comment("   ")).notice is Notice.COMMENT_EMPTY
    named = drive(MINI, Start(), Comment("beta note", area_id="beta"))
    assert named.state.answer("beta").comment == "beta note"


def test_decline_then_start_resumes() -> None:
    t = drive(MINI, Start(), Answer(2), Decline())
    assert t.state.phase is Phase.DECLINED and isinstance(t.prompt, Declined)
    q = question(advance(MINI, t.state, Start()))
    assert (q.area.id, q.ask) == ("alpha", Ask.TARGET)


def test_start_over_keeps_answers_until_overwritten() -> None:
    t = drive(MINI, Start(), Answer(2), Answer(3), StartOver())
    q = question(t)
    assert (q.area.id, q.ask, q.previous) == ("alpha", Ask.CURRENT, 2)


def test_pause_and_help_keep_the_state() -> None:
    t = drive(MINI, Start(), Answer(2))
    paused = advance(MINI, t.state, Pause())
    assert isinstance(paused.prompt, Paused) and paused.state == t.state
    helped = advance(MINI, t.state, Help())
    assert helped.notice is Notice.HELP and question(helped).ask is Ask.TARGET


def test_closed_round_is_terminal_for_every_event() -> None:
    t = drive(MINI, Start(), Answer(2), CloseRound())
    assert t.state.phase is Phase.CLOSED and isinstance(t.prompt, Closed)
    for event in (Start(), Answer(1), Change("alpha"), Finish(), StartOver(), Back()):
        after = advance(MINI, t.state, event)
        assert after.state.phase is Phase.CLOSED and after.notice is Notice.ROUND_CLOSED
        assert after.state.answers == t.state.answers


def test_importance_is_asked_when_the_framework_wants_it() -> None:
    pillars = CATALOG.get("cx-pillars")
    t = drive(pillars, Start(), Answer(1), Answer(3))
    q = question(t)
    assert q.ask is Ask.IMPORTANCE and q.scale.values == (1, 2, 3)
    assert q.scale.level(3).label.get("de") == "Hoch"


def test_several_rounds_keep_their_dialogues_apart() -> None:
    a = drive(MINI, Start(), Answer(1))
    b = drive(CATALOG.get("cx-pillars"), Start(), Answer(3))
    assert a.state.answer("alpha").current == 1 and b.state.answer("data").current == 3
    assert "data" not in a.state.answers and "alpha" not in b.state.answers


ALL_EVENTS: list[Event] = [
    Start(),
    Answer(1),
    Answer(3),
    Answer(7),
    Answer(2, "beta", Ask.TARGET),
    NotSure(),
    Skip(),
    Back(),
    Change("beta"),
    Comment("note"),
    Finish(),
    StartOver(),
    Decline(),
    Help(),
    Pause(),
]


@pytest.mark.parametrize("prefix", list(itertools.product(ALL_EVENTS, repeat=2)))
def test_no_sequence_of_inputs_leaves_a_person_stuck(prefix: tuple[Event, Event]) -> None:
    """After any two inputs, Start then answering everything always reaches the review."""
    t = drive(MINI, *prefix)
    assert t.state.phase is not Phase.CLOSED
    t = advance(MINI, t.state, Start())
    if t.state.phase is Phase.FINISHED:
        t = advance(MINI, t.state, Change("alpha"))
    for _ in range(len(steps(MINI)) + 1):
        if not isinstance(t.prompt, Question):
            break
        t = advance(MINI, t.state, Answer(2))
    assert isinstance(t.prompt, Review | Finished)
    assert advance(MINI, t.state, Finish()).state.phase is Phase.FINISHED


def test_a_second_click_on_the_same_back_button_is_ignored() -> None:
    t = drive(MINI, Start(), Answer(1), Answer(2))
    back = advance(MINI, t.state, Back("beta", Ask.CURRENT))
    assert (question(back).area.id, question(back).ask) == ("alpha", Ask.TARGET)
    again = advance(MINI, back.state, Back("beta", Ask.CURRENT))
    assert again.state == back.state and again.notice is None


def test_answering_a_skipped_area_after_all_asks_its_target_again() -> None:
    t = drive(MINI, Start(), Skip(), Back(), Answer(2))
    q = question(t)
    assert (q.area.id, q.ask, q.previous) == ("alpha", Ask.TARGET, None)
    assert t.state.answer("alpha") == AreaAnswer(current=2)


def test_back_from_the_review_revisits_a_skipped_last_area_at_its_first_question() -> None:
    t = drive(MINI, Start(), Answer(1), Answer(2), Skip())
    assert isinstance(t.prompt, Review)
    q = question(advance(MINI, t.state, Back()))
    assert (q.area.id, q.ask, q.previous) == ("beta", Ask.CURRENT, Mark.SKIPPED)
