"""The interview state machine, driven through whole dialogues of every bundled framework."""

from __future__ import annotations

import itertools

import pytest
import yaml

from bot.answers import AreaAnswer, Ask, Mark
from bot.flows.interview import (
    Answer,
    Answers,
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
    ReviseComment,
    Skip,
    Start,
    StartOver,
    Transition,
    advance,
    card_asks,
    prompt_for,
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


def card(t: Transition) -> tuple[str, AreaAnswer]:
    q = question(t)
    return q.area.id, q.answer


@pytest.mark.parametrize("fid", sorted(CATALOG.frameworks))
def test_whole_interview_of_every_bundled_framework_is_one_card_per_area(fid: str) -> None:
    fw = CATALOG.get(fid)
    t = drive(fw, Start())
    cards: list[str] = []
    taps = 0
    while isinstance(t.prompt, Question):
        q = t.prompt
        assert q.progress == (fw.areas.index(q.area) + 1, len(fw.areas))
        assert q.asks == card_asks(fw)
        cards.append(q.area.id)
        # Answer the card's questions in reverse order: any order completes it.
        for ask in reversed(q.asks):
            value = q.scale_of(ask).values[taps % len(q.scale_of(ask).values)]
            t = advance(fw, t.state, Answer(value, q.area.id, ask))
            taps += 1
            assert t.changed == (q.area.id,)
    assert cards == [a.id for a in fw.areas]
    assert taps == len(fw.areas) * (1 + fw.ask_target + fw.ask_importance)
    assert isinstance(t.prompt, Review) and t.prompt.unanswered == ()
    done = advance(fw, t.state, Finish())
    assert done.state.phase is Phase.FINISHED and isinstance(done.prompt, Finished)
    assert all(ans.has_level for _, ans in done.prompt.answers)


def test_invitation_then_start_shows_the_first_card() -> None:
    t = drive(MINI)
    assert isinstance(t.prompt, Invitation) and t.prompt.areas == 2
    q = question(drive(MINI, Start()))
    assert (q.area.id, q.asks, q.progress, q.answer) == (
        "alpha",
        (Ask.CURRENT, Ask.TARGET),
        (1, 2),
        AreaAnswer(),
    )
    assert q.awaiting is Ask.CURRENT and not q.complete


def test_the_first_tap_updates_the_card_and_the_second_moves_on() -> None:
    t = drive(MINI, Start(), Answer(1, "alpha", Ask.CURRENT))
    assert card(t) == ("alpha", AreaAnswer(current=1)) and t.changed == ("alpha",)
    assert question(t).awaiting is Ask.TARGET
    t = advance(MINI, t.state, Answer(3, "alpha", Ask.TARGET))
    assert card(t) == ("beta", AreaAnswer()) and question(t).progress == (2, 2)
    assert t.state.answer("alpha") == AreaAnswer(current=1, target=3)


def test_target_first_then_current_completes_the_card_too() -> None:
    t = drive(MINI, Start(), Answer(3, "alpha", Ask.TARGET), Answer(2, "alpha", Ask.CURRENT))
    assert card(t)[0] == "beta" and t.state.answer("alpha") == AreaAnswer(current=2, target=3)


def test_typed_bare_answers_fill_the_card_in_order() -> None:
    t = drive(MINI, Start(), Answer(2))
    assert t.state.answer("alpha") == AreaAnswer(current=2) and card(t)[0] == "alpha"
    t = advance(MINI, t.state, Answer(3))
    assert t.state.answer("alpha") == AreaAnswer(current=2, target=3) and card(t)[0] == "beta"


def test_both_answers_at_once_complete_a_card() -> None:
    t = drive(MINI, Start(), Answers(1, 3))
    assert t.state.answer("alpha") == AreaAnswer(current=1, target=3) and card(t)[0] == "beta"
    assert drive(MINI, Start(), Answers(1, 9)).notice is Notice.NOT_A_LEVEL


def test_a_target_below_the_current_level_is_accepted_and_flagged() -> None:
    t = drive(MINI, Start(), Answer(3, "alpha", Ask.CURRENT))
    t = advance(MINI, t.state, Back())  # stays on alpha: nothing before it
    t = drive(MINI, Answer(1, "alpha", Ask.TARGET), state=t.state)
    assert t.state.answer("alpha") == AreaAnswer(current=3, target=1)
    revisit = question(advance(MINI, t.state, Back()))
    assert revisit.target_below_current


def test_not_sure_completes_the_card_without_a_target() -> None:
    t = drive(MINI, Start(), NotSure("alpha", Ask.CURRENT))
    answer = t.state.answer("alpha")
    assert answer.current is Mark.NOT_SURE and answer.level(Ask.CURRENT) is None
    assert answer.target is None and not answer.has_level and card(t)[0] == "beta"


def test_not_sure_today_still_asks_how_important_the_area_is() -> None:
    pillars = CATALOG.get("cx-pillars")  # asks today, target and importance
    t = drive(pillars, Start(), NotSure("data", Ask.CURRENT))
    assert card(t) == ("data", AreaAnswer(current=Mark.NOT_SURE))  # stays: importance is open
    assert question(t).awaiting is Ask.IMPORTANCE  # a typed answer goes there, not to the target
    t = advance(pillars, t.state, Answer(3, "data", Ask.IMPORTANCE))
    assert t.state.answer("data") == AreaAnswer(Mark.NOT_SURE, None, 3) and card(t)[0] == "design"


def test_a_target_given_before_not_sure_is_kept() -> None:
    t = drive(MINI, Start(), Answer(3, "alpha", Ask.TARGET), NotSure())
    assert t.state.answer("alpha") == AreaAnswer(current=Mark.NOT_SURE, target=3)


def test_skipping_an_untouched_card_skips_the_whole_area() -> None:
    t = drive(MINI, Start(), Skip())
    assert t.state.answer("alpha") == AreaAnswer(current=Mark.SKIPPED, target=Mark.SKIPPED)
    assert card(t)[0] == "beta"
    back = question(advance(MINI, t.state, Back()))
    assert (back.area.id, back.answer.current) == ("alpha", Mark.SKIPPED)


def test_skipping_after_the_current_level_only_skips_the_target() -> None:
    t = drive(MINI, Start(), Answer(2), Skip())
    assert t.state.answer("alpha") == AreaAnswer(current=2, target=Mark.SKIPPED)
    assert card(t)[0] == "beta"


def test_back_shows_the_previous_card_whose_taps_stay_until_next() -> None:
    t = drive(MINI, Start(), Answers(1, 2), Back())
    q = question(t)
    assert (q.area.id, q.answer, q.complete) == ("alpha", AreaAnswer(current=1, target=2), True)
    t = advance(MINI, t.state, Answer(2, "alpha", Ask.CURRENT))
    assert card(t) == ("alpha", AreaAnswer(current=2, target=2)) and t.changed == ("alpha",)
    t = advance(MINI, t.state, Skip("alpha"))  # Next
    assert card(t)[0] == "beta" and t.state.answer("alpha") == AreaAnswer(current=2, target=2)


def test_back_at_the_first_card_says_so_and_stays() -> None:
    t = drive(MINI, Start(), Back())
    assert t.notice is Notice.AT_FIRST_QUESTION and card(t)[0] == "alpha"


def test_review_lists_unanswered_areas_and_back_returns_to_the_last_card() -> None:
    t = drive(MINI, Start(), Skip(), Answer(2), NotSure())
    assert isinstance(t.prompt, Review)
    assert t.prompt.unanswered == ()
    assert [a.id for a, _ in t.prompt.answers] == ["alpha", "beta"]
    back = question(advance(MINI, t.state, Back()))
    assert (back.area.id, back.answer) == ("beta", AreaAnswer(current=2, target=Mark.NOT_SURE))


def test_moving_on_goes_to_the_next_open_area() -> None:
    t = drive(MINI, Start(), Answers(1, 2), Back(), Skip("alpha"))
    assert card(t) == ("beta", AreaAnswer())
    t = drive(MINI, Answers(2, 3), StartOver(), Skip("alpha"), state=t.state)
    assert isinstance(t.prompt, Review)  # nothing open after alpha


def test_change_after_review_returns_to_review() -> None:
    t = drive(MINI, Start(), Answers(1, 2), Answers(1, 3))
    assert isinstance(t.prompt, Review)
    t = advance(MINI, t.state, Change("alpha"))
    q = question(t)
    assert (q.area.id, q.answer, q.editing) == ("alpha", AreaAnswer(current=1, target=2), True)
    t = advance(MINI, t.state, Answer(2, "alpha", Ask.CURRENT))
    assert card(t)[0] == "alpha"  # one tap changes, the card stays for the other
    t = advance(MINI, t.state, Skip("alpha"))
    assert isinstance(t.prompt, Review)
    assert t.state.answer("alpha") == AreaAnswer(current=2, target=2)
    assert t.state.answer("beta") == AreaAnswer(current=1, target=3)
    typed = drive(MINI, Change("beta"), Answers(3, 3), state=t.state)
    assert isinstance(typed.prompt, Review)  # both at once: back to the review at once


def test_change_after_finishing_reopens_until_finished_again() -> None:
    t = drive(MINI, Start(), Answers(1, 2), Answers(1, 3), Finish())
    assert t.state.phase is Phase.FINISHED
    t = advance(MINI, t.state, Change("beta"))
    assert t.state.phase is Phase.ASKING and card(t)[0] == "beta"
    t = drive(MINI, Answers(3, 3), Finish(), state=t.state)
    assert t.state.phase is Phase.FINISHED and t.state.answer("beta").current == 3


def test_late_click_for_an_earlier_card_is_recorded_without_moving_on() -> None:
    t = drive(MINI, Start(), Answers(1, 2))
    late = advance(MINI, t.state, Answer(3, area_id="alpha", ask=Ask.CURRENT))
    assert late.notice is Notice.RECORDED_EARLIER and late.changed == ("alpha",)
    assert late.state.answer("alpha").current == 3
    assert card(late)[0] == "beta" and late.state.position == t.state.position
    for old in (Skip("alpha"), Back("alpha")):
        stale = advance(MINI, t.state, old)
        assert stale.state == t.state and stale.notice is None and stale.changed == ()


def test_replayed_click_is_idempotent() -> None:
    first = drive(MINI, Start(), Answer(2, area_id="alpha", ask=Ask.CURRENT))
    again = advance(MINI, first.state, Answer(2, area_id="alpha", ask=Ask.CURRENT))
    assert again.state == first.state
    assert (again.notice, again.changed, again.prompt) == (None, (), first.prompt)
    moved = advance(MINI, first.state, Answer(3, "alpha", Ask.TARGET))
    replay = advance(MINI, moved.state, Answer(3, "alpha", Ask.TARGET))
    assert replay.state == moved.state and replay.notice is None and replay.changed == ()


def test_a_value_outside_the_scale_is_never_recorded() -> None:
    t = drive(MINI, Start(), Answer(9))
    assert t.notice is Notice.NOT_A_LEVEL and t.state.answers == {} and t.changed == ()
    no_importance = drive(MINI, Start(), Answer(1, "alpha", Ask.IMPORTANCE))
    assert no_importance.notice is Notice.NOT_A_LEVEL and no_importance.state.answers == {}


def test_unknown_area_is_refused() -> None:
    for event in (Change("nope"), Answer(1, area_id="nope", ask=Ask.CURRENT), Comment("x", "nope")):
        t = drive(MINI, Start(), event)
        assert t.notice is Notice.UNKNOWN_AREA and t.state.answers == {}


def test_comments_attach_to_the_pending_area_are_appended_and_bounded() -> None:
    t = drive(MINI, Start(), Comment("  Our IVR is a maze.  "))
    assert t.notice is Notice.COMMENT_SAVED and t.changed == ("alpha",)
    assert t.state.answer("alpha").comment == "Our IVR is a maze."
    t = advance(MINI, t.state, Comment("And slow."))
    assert t.notice is Notice.COMMENT_ADDED
    assert t.state.answer("alpha").comment == "Our IVR is a maze.\nAnd slow."
    assert drive(MINI, Start(), Comment("x" * 2001)).notice is Notice.COMMENT_TOO_LONG
    full = drive(MINI, Start(), Comment("x" * 1990), Comment("y" * 20))
    assert (
        full.notice is Notice.COMMENT_TOO_LONG and full.state.answer("alpha").comment == "x" * 1990
    )
    assert drive(MINI, Start(), Comment("   ")).notice is Notice.COMMENT_EMPTY
    named = drive(MINI, Start(), Comment("beta note", area_id="beta"))
    assert named.state.answer("beta").comment == "beta note"


def test_a_reply_edited_or_deleted_changes_its_part_of_the_comment() -> None:
    said = drive(MINI, Start(), Comment("IVR is a maze."), Comment("Too\nslow."), Comment("Bye."))
    assert said.state.answer("alpha").comment == "IVR is a maze.\nToo\nslow.\nBye."

    def revise(old: str, new: str = "") -> tuple[str | None, Notice | None]:
        t = advance(MINI, said.state, ReviseComment("alpha", old, new))
        return t.state.answer("alpha").comment, t.notice

    withdrawn = Notice.COMMENT_WITHDRAWN
    assert revise("Too\nslow.") == ("IVR is a maze.\nBye.", withdrawn)  # a two-line reply
    assert revise(" IVR is a maze. ") == ("Too\nslow.\nBye.", withdrawn)  # the first
    assert revise("Bye.") == ("IVR is a maze.\nToo\nslow.", withdrawn)  # the last
    assert revise("Bye.", "Bye for now.") == (
        "IVR is a maze.\nToo\nslow.\nBye for now.",
        Notice.COMMENT_EDITED,
    )
    assert revise("maze.") == (said.state.answer("alpha").comment, None)  # not a whole reply
    assert revise("Never said.") == (said.state.answer("alpha").comment, None)
    # a reply that was never kept (too long) edited into one that fits: a new part
    assert revise("z" * 2000, "Short now.") == (
        "IVR is a maze.\nToo\nslow.\nBye.\nShort now.",
        Notice.COMMENT_ADDED,
    )
    alone = drive(MINI, Start(), Comment("Only this."), ReviseComment("alpha", "Only this."))
    assert alone.state.answer("alpha").comment is None and alone.notice is withdrawn
    # an edit too long to keep takes the reply out (its old words must not stay published)
    long = advance(MINI, said.state, ReviseComment("alpha", "Bye.", "z" * 2000))
    assert long.notice is Notice.COMMENT_EDIT_TOO_LONG
    assert long.state.answer("alpha").comment == "IVR is a maze.\nToo\nslow."
    shortened = advance(MINI, long.state, ReviseComment("alpha", "z" * 2000, "Bye, then."))
    assert shortened.state.answer("alpha").comment == "IVR is a maze.\nToo\nslow.\nBye, then."


def test_decline_then_start_resumes_at_the_open_card() -> None:
    t = drive(MINI, Start(), Answers(2, 3), Answer(1), Decline())
    assert t.state.phase is Phase.DECLINED and t.prompt == Declined(started=True)
    assert card(advance(MINI, t.state, Start())) == ("beta", AreaAnswer(current=1))


def test_not_now_says_whether_the_person_had_started() -> None:
    assert drive(MINI, Decline()).prompt == Declined(started=False)  # at the invitation
    assert drive(MINI, Start(), Decline()).prompt == Declined(started=False)  # nothing given
    assert advance(MINI, drive(MINI, Start(), Answer(2)).state, Pause()).prompt == Paused(True)


def test_start_over_keeps_answers_until_overwritten() -> None:
    t = drive(MINI, Start(), Answers(2, 3), StartOver())
    assert card(t) == ("alpha", AreaAnswer(current=2, target=3))


def test_pause_and_help_keep_the_state() -> None:
    t = drive(MINI, Start(), Answer(2))
    paused = advance(MINI, t.state, Pause())
    assert isinstance(paused.prompt, Paused) and paused.state == t.state
    helped = advance(MINI, t.state, Help())
    assert helped.notice is Notice.HELP and helped.state == t.state
    assert question(helped).awaiting is Ask.TARGET


def test_closed_round_is_terminal_for_every_event() -> None:
    t = drive(MINI, Start(), Answer(2), CloseRound())
    assert t.state.phase is Phase.CLOSED and isinstance(t.prompt, Closed)
    for event in (Start(), Answer(1), Change("alpha"), Finish(), StartOver(), Back()):
        after = advance(MINI, t.state, event)
        assert after.state.phase is Phase.CLOSED and after.notice is Notice.ROUND_CLOSED
        assert after.state.answers == t.state.answers


def test_importance_rides_on_the_same_card() -> None:
    pillars = CATALOG.get("cx-pillars")
    t = drive(pillars, Start(), Answer(1), Answer(3))
    q = question(t)
    assert q.area.id == "data" and q.awaiting is Ask.IMPORTANCE
    assert q.scale_of(Ask.IMPORTANCE).level(3).label.get("de") == "Hoch"
    t = advance(pillars, t.state, Answer(2))
    assert card(t)[0] != "data" and t.state.answer("data").importance == 2


def test_several_rounds_keep_their_dialogues_apart() -> None:
    a = drive(MINI, Start(), Answer(1))
    b = drive(CATALOG.get("cx-pillars"), Start(), Answer(3))
    assert a.state.answer("alpha").current == 1 and b.state.answer("data").current == 3
    assert "data" not in a.state.answers and "alpha" not in b.state.answers


def test_only_people_who_answered_count_as_started() -> None:
    assert not drive(MINI, Start()).state.started
    assert drive(MINI, Start(), Comment("hi")).state.started


ALL_EVENTS: list[Event] = [
    Start(),
    Answer(1),
    Answer(3),
    Answer(7),
    Answer(2, "beta", Ask.TARGET),
    Answer(3, "alpha", Ask.TARGET),
    Answers(1, 3),
    NotSure(),
    Skip(),
    Skip("alpha"),
    Back(),
    Back("beta"),
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
    """After any two inputs, Start then answering (and Next) always reaches the review."""
    t = drive(MINI, *prefix)
    assert t.state.phase is not Phase.CLOSED
    t = advance(MINI, t.state, Start())
    if t.state.phase is Phase.FINISHED:
        t = advance(MINI, t.state, Change("alpha"))
    for _ in range(3 * len(MINI.areas) + 1):
        if not isinstance(t.prompt, Question):
            break
        event: Event = Skip(t.prompt.area.id) if t.prompt.complete else Answer(2)
        t = advance(MINI, t.state, event)
    assert isinstance(t.prompt, Review | Finished)
    assert advance(MINI, t.state, Finish()).state.phase is Phase.FINISHED


def test_a_second_click_on_the_same_back_button_is_ignored() -> None:
    t = drive(MINI, Start(), Answers(1, 2))
    back = advance(MINI, t.state, Back("beta"))
    assert card(back)[0] == "alpha"
    again = advance(MINI, back.state, Back("beta"))
    assert again.state == back.state and again.notice is None


def test_answering_a_skipped_area_after_all_asks_its_target_again() -> None:
    t = drive(MINI, Start(), Skip(), Back(), Answer(2, "alpha", Ask.CURRENT))
    assert card(t) == ("alpha", AreaAnswer(current=2))
    assert question(t).awaiting is Ask.TARGET


def test_a_position_past_the_last_area_shows_the_last_card() -> None:
    state = InterviewState(phase=Phase.ASKING, position=99)
    assert card(drive(MINI, state=state))[0] == "beta"
