"""Plays a script of people's actions against the real app and writes down everything they saw.

The app runs as in production: Bolt over HTTP on loopback, signed requests, and the fake Slack
Web API server of `tests.fakeslack`, which here also records every message per reader (a
person's DM and the messages only they see, or a channel) with the step that caused it
(`recording`). People act on what they see (`stage`); a script is a list of `steps`;
`markdown` renders the record. `tests.walkthrough` holds the script of docs/walkthrough.md.
"""

from tests.transcript.markdown import Target, render
from tests.transcript.stage import Person, Room, Shown, StepFailed, find_target
from tests.transcript.steps import (
    Clicks,
    ClockAt,
    Discusses,
    OpensHome,
    Step,
    Submits,
    Transcript,
    Types,
    TypesUntil,
    run,
)

__all__ = [
    "Clicks",
    "ClockAt",
    "Discusses",
    "OpensHome",
    "Person",
    "Room",
    "Shown",
    "Step",
    "StepFailed",
    "Submits",
    "Target",
    "Transcript",
    "Types",
    "TypesUntil",
    "find_target",
    "render",
    "run",
]
