"""`cx-assess demo`: a whole round offline, through the real interview engine, store and analysis.

Simulated stakeholders share one picture of the organisation (a "true" level per area) but see
it through their role: each has an optimism bias, everyone adds noise, and a few areas are
contested (much more noise). Some are not sure or skip, targets lie above what they rate today,
one person stops halfway and one declines. The outputs are seeded, hence reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TextIO

from bot.analysis import Report, analyse
from bot.answers import Ask
from bot.csv_answers import pseudonymise, write_answers
from bot.flows.interview import (
    Answer,
    Comment,
    Decline,
    Event,
    Finish,
    InterviewState,
    NotSure,
    Question,
    Review,
    Skip,
    Start,
    advance,
)
from bot.frameworks import Framework
from bot.i18n import t
from bot.model import Invitee, RoundStatus
from bot.render.chart import render_chart
from bot.render.report import render_json, render_markdown, render_text
from bot.storage import Store

DEMO_TEAM = "demo"
DEMO_CHANNEL = "demo"
FILES = ("report.md", "report.json", "chart.png", "answers.csv")
ROLES = (  # a role and its optimism, in levels of a four-level scale
    ("CX director", 0.6),
    ("Agent lead", -0.5),
    ("Workforce planner", 0.0),
    ("IT architect", 0.3),
    ("Quality analyst", -0.3),
    ("Operations manager", 0.4),
    ("Team supervisor", -0.2),
    ("Customer insights manager", 0.1),
    ("Digital channels lead", 0.2),
    ("Training coordinator", -0.4),
)
NOT_SURE_RATE, SKIP_RATE = 0.06, 0.03
NOISE, CONTESTED_NOISE = 0.35, 1.2


class Behaviour(Enum):
    COMPLETES = "completes"
    STOPS_HALFWAY = "stops_halfway"
    DECLINES = "declines"


@dataclass(frozen=True)
class Persona:
    name: str
    bias: float
    behaviour: Behaviour


@dataclass(frozen=True)
class _Views:
    """What everyone shares: per area a true level and an ambition (scale steps, 0-based)."""

    truth: dict[str, float]
    ambition: dict[str, float]
    contested: frozenset[str]
    comments: dict[tuple[str, str], str]  # (persona, area id) -> message key


def personas(count: int) -> tuple[Persona, ...]:
    """``count`` stakeholders; with 4 or more the last stops halfway, with 6 or more one declines."""
    people = []
    for i in range(count):
        role, bias = ROLES[i % len(ROLES)]
        name = role if i < len(ROLES) else f"{role} {i // len(ROLES) + 1}"
        behaviour = Behaviour.COMPLETES
        if count >= 4 and i == count - 1:
            behaviour = Behaviour.STOPS_HALFWAY
        elif count >= 6 and i == count - 2:
            behaviour = Behaviour.DECLINES
        people.append(Persona(name, bias, behaviour))
    return tuple(people)


async def run_demo(
    framework: Framework,
    *,
    participants: int,
    lang: str,
    seed: int,
    out_dir: Path,
    min_responses: int,
    consensus_threshold: float | None,
    stdout: TextIO,
) -> Report:
    """Run the round in a fresh ``out_dir/demo.db``, write `FILES` there, print the summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    db = out_dir / "demo.db"
    for leftover in (db, out_dir / "demo.db-wal", out_dir / "demo.db-shm"):
        leftover.unlink(missing_ok=True)
    rng = random.Random(seed)
    people = personas(participants)
    async with Store.open(str(db)) as store:
        current = await store.create_round(
            team_id=DEMO_TEAM,
            channel_id=DEMO_CHANNEL,
            framework=framework,
            started_by=people[0].name,
            participants=[Invitee(p.name, lang) for p in people],
            lang=lang,
            min_responses=min_responses,
        )
        snapshot = current.framework
        views = _views(snapshot, people, rng)
        for persona in people:
            state = _interview(snapshot, persona, views, rng, lang)
            await store.save_progress(current.id, persona.name, state, tuple(state.answers))
        answers = await store.answers(current.id)
        report = analyse(
            snapshot,
            answers,
            invited=len(people),
            min_responses=min_responses,
            consensus_threshold=consensus_threshold,
        )
        await store.finish_round(current.id, RoundStatus.CLOSED, report.to_dict(lang))

    (out_dir / "report.md").write_text(render_markdown(report, lang), encoding="utf-8")
    (out_dir / "report.json").write_text(render_json(report, lang) + "\n", encoding="utf-8")
    (out_dir / "chart.png").write_bytes(render_chart(report, lang))
    in_framework_order = {
        person: {a.id: given[a.id] for a in snapshot.areas if a.id in given}
        for person, given in pseudonymise(answers, rng).items()
    }
    csv_text = write_answers(in_framework_order)
    (out_dir / "answers.csv").write_text(csv_text, encoding="utf-8", newline="")
    intro = t(lang, "demo_intro", participants=len(people), framework=snapshot.name.get(lang))
    written = t(lang, "demo_written", out=out_dir, files=", ".join(FILES))
    stdout.write(f"{intro}\n\n{render_text(report, lang)}\n{written}\n")
    return report


def _views(framework: Framework, people: tuple[Persona, ...], rng: random.Random) -> _Views:
    steps = len(framework.scale.levels) - 1
    ids = [area.id for area in framework.areas]
    contested = rng.sample(ids, max(1, len(ids) // 5))
    talkers = [p.name for p in people if p.behaviour is Behaviour.COMPLETES]
    comments: dict[tuple[str, str], str] = {}
    if talkers:
        for area_id, key in zip(contested, ("demo_comment_1", "demo_comment_2"), strict=False):
            comments[rng.choice(talkers), area_id] = key
        comments[rng.choice(talkers), rng.choice(ids)] = "demo_comment_3"
    return _Views(
        truth={aid: rng.uniform(0.15, 0.6) * steps for aid in ids},
        ambition={aid: rng.uniform(0.9, 1.8) * steps / 3 for aid in ids},
        contested=frozenset(contested),
        comments=comments,
    )


def _interview(
    framework: Framework, persona: Persona, views: _Views, rng: random.Random, lang: str
) -> InterviewState:
    """One person's whole dialogue; the state it ends in (saved at once: the demo needs no
    step-by-step durability)."""
    state = InterviewState()
    if persona.behaviour is Behaviour.DECLINES:
        return advance(framework, state, Decline()).state
    step = advance(framework, state, Start())
    stop_at = len(framework.areas) // 2
    while isinstance(step.prompt, Question):
        question = step.prompt
        if persona.behaviour is Behaviour.STOPS_HALFWAY and question.index >= stop_at:
            return step.state
        for event in _card(question, persona, views, rng):
            step = advance(framework, step.state, event)
        key = views.comments.get((persona.name, question.area.id))
        if key:
            step = advance(framework, step.state, Comment(t(lang, key), question.area.id))
    if isinstance(step.prompt, Review):
        step = advance(framework, step.state, Finish())
    return step.state


def _card(question: Question, persona: Persona, views: _Views, rng: random.Random) -> list[Event]:
    """The taps on one card; a current level of *not sure* goes last, as it completes the card."""
    current = _reply(question, Ask.CURRENT, None, persona, views, rng)
    if isinstance(current, Skip):
        return [current]
    rated = current.value if isinstance(current, Answer) else None
    later = [_reply(question, ask, rated, persona, views, rng) for ask in question.asks[1:]]
    return [current, *later] if rated is not None else [*later, current]


def _reply(
    question: Question,
    ask: Ask,
    rated: int | None,
    persona: Persona,
    views: _Views,
    rng: random.Random,
) -> Answer | NotSure | Skip:
    values = question.scale.values
    top = len(values) - 1
    area_id = question.area.id
    if ask is Ask.IMPORTANCE:
        return Answer(rng.choice((1, 2, 2, 3, 3)), area_id, ask)
    draw = rng.random()
    if ask is Ask.CURRENT:
        if draw < SKIP_RATE:
            return Skip(area_id)
        if draw < SKIP_RATE + NOT_SURE_RATE:
            return NotSure(area_id, ask)
        noise = CONTESTED_NOISE if area_id in views.contested else NOISE
        seen = views.truth[area_id] + persona.bias * top / 3 + rng.gauss(0, noise)
        return Answer(values[_clamp(seen, 0, top)], area_id, ask)
    if draw < NOT_SURE_RATE:
        return NotSure(area_id, ask)
    base = values.index(rated) if rated is not None else round(views.truth[area_id])
    wanted = base + views.ambition[area_id] + rng.gauss(0, NOISE)
    return Answer(values[_clamp(wanted, base, top)], area_id, ask)


def _clamp(value: float, low: int, high: int) -> int:
    return min(high, max(low, round(value)))
