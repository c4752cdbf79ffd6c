"""docs/walkthrough.md: one round of cx-assess as every participant, the lead and the channel see it.

    python -m tests.walkthrough            # (= make walkthrough) writes docs/walkthrough.md
    python -m tests.walkthrough --check    # exit 1 when the committed file is stale

The script below is what people do; everything they see comes from the real app (see
`tests.transcript`). When the messages change, regenerate; when a label changes, edit the step
(a step that cannot be performed says which label it missed and what was offered instead).
"""

from __future__ import annotations

import argparse
import difflib
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.transcript import (
    Clicks,
    ClockAt,
    Discusses,
    OpensHome,
    Person,
    Room,
    Step,
    StepFailed,
    Submits,
    Target,
    Types,
    TypesUntil,
)
from tests.transcript import render as render_transcript
from tests.transcript import run as run_script

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "walkthrough.md"
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday, 10:00 in Madrid

LEA = Person("ULEA", "Lea", "en-US", "Europe/Madrid", "the lead", participant=False)
BEN = Person("UBEN", "Ben", "en-US", "America/New_York", "answers every question by tapping")
ANA = Person("UANA", "Ana", "es-ES", "Europe/Madrid", "types in Spanish, pauses until tomorrow")
CARLA = Person("UCARLA", "Carla", "de-DE", "Europe/Berlin", "types in German, skips, goes back")
CAST = (BEN, ANA, CARLA, LEA)
ROOM = Room("C0CXTEAM", "cx-team")


def level(value: int) -> str:
    """The label of a level's button on a card (the one place to edit when it changes)."""
    return str(value)


# Ben's current and target level per area of cx-maturity, in the framework's order.
BEN_ANSWERS = ((2, 3), (1, 3), (2, 3), (2, 4), (3, 3), (1, 3), (2, 3), (2, 3), (3, 4), (3, 3))
BEN_ANSWERS += ((2, 3), (2, 3))
# What Carla and Ana type for the rest, in turn, until the app asks them to submit: Carla one
# answer at a time (starting with the target of the second area; "weiß nicht" for today skips
# that area's target), Ana both of a card at once.
CARLA_REPLIES = "3, 1, 3, 2, 4, 3, 3, 2, 3, weiß nicht, 3, 4, 3, 3, 3, 3, 4, 4, 3, 4"
ANA_REPLIES = "1 2, 2→3, 2 y 4, 3 3, 1 3, 2 3, dos y tres, 2 3, 3 4, 3 3, 4 4"


def taps(person: Person, answers: tuple[tuple[int, int], ...]) -> list[Step]:
    """A tap in the card's "Today" row, then one in its "In 12 months" row, per area."""
    return [
        step
        for today, target in answers
        for step in (Clicks(person, level(today), nth=1), Clicks(person, level(target), nth=2))
    ]


ROUND: tuple[Step, ...] = (
    Types(LEA, "/cx-assess start cx-maturity @Ana @Ben @Carla --deadline 2026-11-27"),
    Clicks(BEN, "Start"),
    *taps(BEN, BEN_ANSWERS),
    Clicks(BEN, "Submit"),
    Clicks(ANA, "Empezar"),
    Types(ANA, "desarrollo"),
    Types(ANA, "ayuda"),
    Types(ANA, "depende del día"),
    Types(ANA, "3"),
    Types(ANA, "pausa"),
    Clicks(ANA, "Mañana, 9:00"),
    Clicks(CARLA, "Starten"),
    Types(CARLA, "entw"),
    Types(CARLA, "Stufe 3"),
    Clicks(CARLA, "Überspringen"),
    Clicks(CARLA, "Zurück"),
    Clicks(CARLA, level(1), nth=1),
    Types(CARLA, "Anrufe landen oft in der falschen Warteschlange.", thread="Routing"),
    TypesUntil(
        CARLA, "Carla answers the rest by typing", CARLA_REPLIES.split(", "), until="Absenden"
    ),
    Types(CARLA, "3"),  # a bare number at the review: the app asks which area she means
    Clicks(CARLA, "Ändern"),
    Clicks(CARLA, "Details"),
    Types(CARLA, "2 3"),
    Clicks(CARLA, "Absenden"),
    Types(LEA, "/cx-assess status"),
    Types(LEA, "/cx-assess remind"),
    OpensHome(LEA),
    ClockAt(datetime(2026, 11, 26, 8, 0, tzinfo=UTC), "9:00 in Madrid, the next day"),
    Clicks(ANA, "Continuar"),
    TypesUntil(ANA, "Ana answers the rest by typing", ANA_REPLIES.split(", "), until="Enviar"),
    Clicks(ANA, "Enviar"),
    ClockAt(datetime(2026, 11, 26, 8, 1, tzinfo=UTC), "a minute later"),
    Types(LEA, "/cx-assess results"),
    Types(LEA, "/cx-assess close"),
    Clicks(LEA, "Close anyway"),
    Types(LEA, "/cx-assess export"),
)
# A Delphi follow-up on the two split areas: Ben keeps one answer and moves the other.
FOLLOW_UP: tuple[Step, ...] = (
    Clicks(LEA, "Follow up on the disagreements", in_room=True),
    Clicks(BEN, "Start"),
    Clicks(BEN, "Keep 2 · Development"),
    Clicks(BEN, level(3)),
    Clicks(BEN, "Submit"),
    Clicks(ANA, "Empezar"),
    Types(ANA, "3"),
    Types(ANA, "3"),
    Clicks(ANA, "Enviar"),
    Clicks(CARLA, "Starten"),
    Types(CARLA, "3"),
    Types(CARLA, "3"),
    Clicks(CARLA, "Absenden"),
    Types(LEA, "/cx-assess close"),
)

AFTERWARDS: tuple[Step, ...] = (
    # A discussion thread: the team talks through the first disagreement the summary shows.
    Discusses(
        LEA, "Let's discuss 1 of", "Ana, Carla: which requests could customers finish alone today?"
    ),
    Discusses(BEN, "Let's discuss 1 of", "I rated it low: password resets still need an agent."),
    Types(LEA, "/cx-assess results"),
    OpensHome(BEN),
    Clicks(BEN, "Knowledge management", in_room=True),
    Submits(
        BEN,
        "the suggested action, Ben as its owner, due on Tuesday 2026-12-01",
        {"due": {"type": "datepicker", "selected_date": "2026-12-01"}},
    ),
    ClockAt(datetime(2026, 12, 1, 14, 0, tzinfo=UTC), "9:00 in New York on the due date"),
    Clicks(BEN, "Done"),
    Types(LEA, "/cx-assess actions"),
    Types(LEA, "/cx-assess start cx-pillars @Ana @Ben --every quarter"),
    Clicks(BEN, "Not now"),
    Clicks(ANA, "En 1 hora"),
    ClockAt(datetime(2026, 12, 1, 15, 1, tzinfo=UTC), "an hour later: Ana's snooze ends"),
    Clicks(ANA, "Empezar"),  # the reminder's button: she had not started
    Types(ANA, "mejorable"),  # a synonym the framework gives for "Room for improvement"
    Types(LEA, "/cx-assess schedule"),
    ClockAt(
        datetime(2026, 12, 15, 14, 2, tzinfo=UTC),
        "14 days on, the round's last day (its default deadline), 9:02 in New York",
    ),
    Types(LEA, "/cx-assess cancel"),
    Types(LEA, "/cx-assess"),
)
SCRIPT = ROUND + FOLLOW_UP + AFTERWARDS

TITLE = "Walkthrough: one round of cx-assess, message by message"
INTRO = """
What each participant, the lead and the channel see during one round of `cx-maturity` (12 areas,
a current and a target level each), a discussion thread on a disagreement, a Delphi follow-up on
its disagreements, an action made from its roadmap, and a second, recurring round that is
canceled. Every message below
comes from the app: `make walkthrough` (`python -m tests.walkthrough`) plays the script in
[tests/walkthrough.py](../tests/walkthrough.py) against the real app over HTTP, with signed
requests, and the fake Slack Web API of [tests/fakeslack.py](../tests/fakeslack.py), and renders
each message from its Block Kit. The clock starts on Wednesday 2026-11-25 at 09:00 UTC.
`tests/test_walkthrough.py` fails when this file is stale.
"""
LEGEND = """
A person's transcript is their DM with the app plus what only they see in the channel. Each
lists the steps that showed that reader something (`── 12 · …`, numbered as in the script) and,
under each, what the app sent: `●  5` a new message (numbered per reader), `✎  5` message 5
updated in place, `◌  5` a message only this person sees (ephemeral), `↳` in a thread, `📎` a
file, `▣` a form (modal), `⌂` the app's Home tab, `✍` what a person wrote in the channel.
Inside a message: `# ` a header, `› ` small print (a context block), `[Label]` a button,
`[Label ▾ a | b]` a menu, `---` a divider; `*bold*` and `_italic_` are Slack's own marks.
Characters are counted on the message as rendered here, buttons included.
"""


def render() -> str:
    """The walkthrough, generated afresh."""
    transcript = run_script(SCRIPT, CAST, ROOM, START)
    return render_transcript(
        transcript,
        title=TITLE,
        intro=INTRO,
        legend=LEGEND,
        counted=len(ROUND),
        scope="the cx-maturity round",
        target=Target(BEN, "cx-maturity", answers=2 * len(BEN_ANSWERS), messages=13),
    )


def stale_report(committed: str, fresh: str, limit: int = 40) -> str:
    """Why the committed file differs: the first lines of a unified diff."""
    diff = difflib.unified_diff(
        committed.splitlines(), fresh.splitlines(), "committed", "generated", lineterm=""
    )
    shown = list(diff)
    more = f"\n… {len(shown) - limit} more diff lines" if len(shown) > limit else ""
    return "\n".join(shown[:limit]) + more


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.walkthrough", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    try:
        fresh = render()
    except StepFailed as exc:
        print(f"the script cannot be played: {exc}", file=sys.stderr)
        return 2
    committed = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    shown = (
        args.out.resolve().relative_to(ROOT)
        if args.out.resolve().is_relative_to(ROOT)
        else args.out
    )
    if args.check:
        if committed != fresh:
            print(f"{shown} is stale: run make walkthrough", file=sys.stderr)
            print(stale_report(committed, fresh), file=sys.stderr)
            return 1
        return 0
    args.out.write_text(fresh, encoding="utf-8")
    print(f"wrote {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
