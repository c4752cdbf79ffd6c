"""Participants: their dialogue state and answers, the prompts sent to them, reminders, snoozes.

`People.turn` is the unit of work of the answer path: one transaction that holds the person
(across instances too), reads their round and state, decides, and saves what the input changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeAlias, TypeVar

from bot.answers import AreaAnswer
from bot.flows.interview import InterviewState
from bot.model import Participant, PromptRef, Round, RoundNotOpen
from bot.storage.base import Part
from bot.storage.engines import Execute, Fetch, Params, Tx, Unit
from bot.storage.inbox import marking
from bot.storage.rows import area_answer, iso, participant, stored, utcnow

_T = TypeVar("_T")

_ANSWERS = "SELECT * FROM answers WHERE round_id = ?"
_PERSON = "SELECT * FROM participants WHERE round_id = ? AND user_id = ?"


@dataclass(frozen=True)
class Progress:
    """What an input saves: the new dialogue state, and the areas whose answers changed."""

    state: InterviewState
    changed: Sequence[str] = ()
    now: datetime | None = None


# What an input does, decided inside its unit of work from the person's round and state: an
# outcome, and the progress to save (None: nothing). On SQLite it runs on the database thread.
Decide: TypeAlias = Callable[[Round, Participant], tuple[_T, Progress | None]]


@dataclass(frozen=True)
class Turn(Generic[_T]):
    """How one input of one person went."""

    round: Round | None
    person: Participant | None
    repeat: bool = False  # the kept request it came from was applied before: nothing decided
    decided: _T | None = None  # what `Decide` said (None: not asked: no round, person, or a repeat)
    refused: bool = False  # the round was closed: the progress was not saved


class People(Part):
    async def turn(
        self, round_id: int, user_id: str, decide: Decide[_T], request: str | None = None
    ) -> Turn[_T]:
        """The unit of work of one input, one transaction: the person's inputs wait for each
        other (on every instance); their round and state are read, ``decide`` says what the
        input does, and its progress is saved (unless the round has closed). ``request``: the
        kept request (a typed answer in the inbox) the input came from, marked applied in the
        same transaction; also when the round or the person is gone (it can never apply), not
        when ``decide`` raises (nothing is saved). On SQLite it runs on the database thread,
        with the turns that came at the same time."""
        unit = self._turn(round_id, user_id, decide, request)
        return await self._engine.run(unit, lock=f"person:{round_id}:{user_id}")

    def _turn(
        self, round_id: int, user_id: str, decide: Decide[_T], request: str | None
    ) -> Unit[Turn[_T]]:
        marked = [marking(request)] if request is not None else []
        *marks, rounds, people, answers = yield Fetch(
            [*marked, self._round_query(round_id), *_person_queries(round_id, user_id)]
        )
        found = yield from self._round_of(round_id, rounds[0] if rounds else None)
        person = _person_of(people, answers)
        if found is None or person is None:
            return Turn(found, person)
        if marked and not marks[0]:
            return Turn(found, person, repeat=True)
        decided, progress = decide(found, person)
        if progress is None:
            return Turn(found, person, decided=decided)
        statements = _progress_statements(round_id, user_id, progress)
        changes = yield Execute(statements, chained=True)
        return Turn(found, person, decided=decided, refused=changes[0] != 1)

    async def participant(self, round_id: int, user_id: str) -> Participant | None:
        """One person's dialogue state with all their answers."""
        async with self._engine.reading() as tx:
            return await _person(tx, round_id, user_id)

    async def participants(self, round_id: int) -> list[Participant]:
        """Everyone in the round, with their answers, in the order they were added."""
        async with self._engine.reading() as tx:
            answers = _by_person(await tx.fetchall(_ANSWERS, (round_id,)))
            rows = await tx.fetchall(
                "SELECT * FROM participants WHERE round_id = ? ORDER BY rowid", (round_id,)
            )
        return [participant(row, answers.get(row["user_id"], {})) for row in rows]

    async def progress(self, round_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
        """For each round: how many people finished, and how many were asked (one query)."""
        if not round_ids:
            return {}
        marks = ", ".join("?" * len(round_ids))
        rows = await self._all(
            "SELECT round_id, SUM(CASE WHEN phase = 'finished' THEN 1 ELSE 0 END) AS finished,"
            f" COUNT(*) AS asked FROM participants WHERE round_id IN ({marks}) GROUP BY round_id",
            tuple(round_ids),
        )
        found = {int(row["round_id"]): (int(row["finished"]), int(row["asked"])) for row in rows}
        return {round_id: found.get(round_id, (0, 0)) for round_id in round_ids}

    async def add_participant(
        self, round_id: int, user_id: str, locale: str = "en", now: datetime | None = None
    ) -> Participant:
        """Add a person to an open round (no-op when already in it) and return them."""
        async with self._engine.transaction() as tx:
            await tx.execute(
                "INSERT INTO participants (round_id, user_id, locale, updated_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (round_id, user_id, locale, iso(now or utcnow())),
            )
            person = await _person(tx, round_id, user_id)
        assert person is not None
        return person

    async def answers(self, round_id: int) -> dict[str, dict[str, AreaAnswer]]:
        """Every answer of the round: user id -> area id -> answer."""
        return _by_person(await self._all(_ANSWERS, (round_id,)))

    async def save_progress(
        self,
        round_id: int,
        user_id: str,
        state: InterviewState,
        changed: Sequence[str] = (),
        now: datetime | None = None,
    ) -> None:
        """Persist a dialogue step outside a `turn` (the terminal chat, the demo)."""
        statements = _progress_statements(round_id, user_id, Progress(state, changed, now))
        if (await self._write_each(statements, chained=True))[0] != 1:
            raise RoundNotOpen(f"round {round_id} is not open (or {user_id} is not in it)")

    async def record_prompt(
        self,
        round_id: int,
        user_id: str,
        channel_id: str,
        ts: str,
        area_id: str | None = None,
        ask: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Remember a prompt message sent to the person: their latest, and what it asked."""
        await self._write_each(
            [
                (
                    "UPDATE participants SET prompt_ts = ?, dm_channel = ?, prompted_at = ?"
                    " WHERE round_id = ? AND user_id = ?",
                    (ts, channel_id, iso(now or utcnow()), round_id, user_id),
                ),
                _remembered(channel_id, ts, round_id, user_id, area_id, ask),
            ]
        )

    async def prompt_message(self, channel_id: str, ts: str) -> PromptRef | None:
        """What the DM message ``ts`` asked, if the app sent it as a prompt."""
        row = await self._one(
            "SELECT * FROM prompt_messages WHERE channel_id = ? AND ts = ?", (channel_id, ts)
        )
        if row is None:
            return None
        return PromptRef(int(row["round_id"]), row["user_id"], row["area_id"], row["ask"])

    async def claim_reminder(self, person: Participant, now: datetime) -> bool:
        """Record a reminder to ``person`` before it is sent: True for one caller only among
        those that read them with the same count of reminders (a double click, two clocks)."""
        return await self._write_one(
            "UPDATE participants SET reminders_sent = reminders_sent + 1, reminded_at = ?"
            " WHERE round_id = ? AND user_id = ? AND reminders_sent = ?",
            (iso(now), person.round_id, person.user_id, person.reminders_sent),
        )

    async def release_reminder(self, person: Participant, now: datetime) -> None:
        """Give back the reminder claimed at ``now`` (Slack certainly did not post it)."""
        await self._write(
            "UPDATE participants SET reminders_sent = ?, reminded_at = ?"
            " WHERE round_id = ? AND user_id = ? AND reminders_sent = ? AND reminded_at = ?",
            (
                person.reminders_sent,
                iso(person.reminded_at),
                person.round_id,
                person.user_id,
                person.reminders_sent + 1,
                iso(now),
            ),
        )

    async def snooze(self, round_id: int, user_id: str, until: datetime) -> None:
        """Remind the person at ``until`` (a later snooze replaces an earlier one)."""
        await self._write(
            "UPDATE participants SET snooze_until = ? WHERE round_id = ? AND user_id = ?",
            (iso(until), round_id, user_id),
        )

    async def take_due_snoozes(self, now: datetime) -> list[tuple[int, str]]:
        """The (round, person) pairs of open rounds whose snooze has ended, cleared as taken:
        each is taken by one caller only, however many instances ask at once."""
        async with self._engine.transaction() as tx:
            rows = await tx.fetchall(
                "SELECT p.round_id, p.user_id, p.snooze_until FROM participants p"
                " JOIN rounds r ON r.id = p.round_id"
                " WHERE r.status = 'open' AND p.snooze_until <= ? ORDER BY p.snooze_until",
                (iso(now),),
            )
            taken = []
            for row in rows:
                if await tx.execute(
                    "UPDATE participants SET snooze_until = NULL"
                    " WHERE round_id = ? AND user_id = ? AND snooze_until = ?",
                    (row["round_id"], row["user_id"], row["snooze_until"]),
                ):
                    taken.append((int(row["round_id"]), str(row["user_id"])))
        return taken

    async def open_dialogues(self, user_id: str) -> list[tuple[Round, Participant]]:
        """The person's dialogues in open rounds, most recently prompted first (two queries in
        one go, however many there are)."""
        async with self._engine.reading() as tx:
            rows, answer_rows = await tx.fetch_each(
                [
                    (
                        "SELECT r.*, p.* FROM participants p JOIN rounds r ON r.id = p.round_id"
                        " WHERE p.user_id = ? AND r.status = 'open' ORDER BY p.prompted_at DESC"
                        " NULLS LAST, p.updated_at DESC, p.round_id DESC",
                        (user_id,),
                    ),
                    (
                        "SELECT a.* FROM answers a JOIN rounds r ON r.id = a.round_id"
                        " WHERE a.user_id = ? AND r.status = 'open'",
                        (user_id,),
                    ),
                ]
            )
        answers: dict[int, dict[str, AreaAnswer]] = {}
        for row in answer_rows:
            answers.setdefault(int(row["round_id"]), {})[row["area_id"]] = area_answer(row)
        return [
            (self._round(row), participant(row, answers.get(int(row["round_id"]), {})))
            for row in rows
        ]


async def remember_prompt(
    tx: Tx,
    channel_id: str,
    ts: str,
    round_id: int,
    user_id: str,
    area_id: str | None = None,
    ask: str | None = None,
) -> None:
    """Record which dialogue step the DM message ``ts`` asked."""
    await tx.execute(*_remembered(channel_id, ts, round_id, user_id, area_id, ask))


def _remembered(
    channel_id: str, ts: str, round_id: int, user_id: str, area_id: str | None, ask: str | None
) -> tuple[str, Params]:
    """The statement of `remember_prompt`."""
    return (
        "INSERT INTO prompt_messages (channel_id, ts, round_id, user_id, area_id, ask)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id, ts) DO UPDATE SET"
        " round_id = excluded.round_id, user_id = excluded.user_id,"
        " area_id = excluded.area_id, ask = excluded.ask",
        (channel_id, ts, round_id, user_id, area_id, ask),
    )


def _person_queries(round_id: int, user_id: str) -> list[tuple[str, Params]]:
    """The queries `_person_of` reads a person from: their row, their answers."""
    return [(_PERSON, (round_id, user_id)), (_ANSWERS + " AND user_id = ?", (round_id, user_id))]


def _person_of(people: list[Any], answers: list[Any]) -> Participant | None:
    if not people:
        return None
    return participant(people[0], {a["area_id"]: area_answer(a) for a in answers})


async def _person(tx: Tx, round_id: int, user_id: str) -> Participant | None:
    return _person_of(*await tx.fetch_each(_person_queries(round_id, user_id)))


def _by_person(rows: list[Any]) -> dict[str, dict[str, AreaAnswer]]:
    result: dict[str, dict[str, AreaAnswer]] = {}
    for row in rows:
        result.setdefault(row["user_id"], {})[row["area_id"]] = area_answer(row)
    return result


def _progress_statements(
    round_id: int, user_id: str, progress: Progress
) -> list[tuple[str, Params]]:
    """Saving a dialogue step: answers are upserts keyed by (round, participant, area), so
    replaying a step changes nothing; the first statement changes no row (and, chained, the
    rest do not run) once the round is closed."""
    state, stamp = progress.state, iso(progress.now or utcnow())
    return [
        (
            "UPDATE participants SET phase = ?, position = ?, editing = ?, updated_at = ?"
            " WHERE round_id = ? AND user_id = ?"
            " AND (SELECT status FROM rounds WHERE id = ?) = 'open'",
            (
                state.phase.value,
                state.position,
                int(state.editing),
                stamp,
                round_id,
                user_id,
                round_id,
            ),
        ),
        *(
            (
                "INSERT INTO answers (round_id, user_id, area_id, current, target,"
                " importance, comment, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (round_id, user_id, area_id) DO UPDATE SET"
                " current = excluded.current, target = excluded.target,"
                " importance = excluded.importance, comment = excluded.comment,"
                " updated_at = excluded.updated_at",
                (
                    round_id,
                    user_id,
                    area_id,
                    stored(answer.current),
                    stored(answer.target),
                    stored(answer.importance),
                    answer.comment,
                    stamp,
                ),
            )
            for area_id in progress.changed
            for answer in (state.answer(area_id),)
        ),
    ]
