"""Rows to domain records and back (`bot.model`): the storage package's only conversions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot.answers import AreaAnswer, Mark, Reply
from bot.flows.interview import InterviewState, Phase
from bot.model import Action, Participant, PostKey, Schedule
from bot.storage.engines import Row


def utcnow() -> datetime:
    """The current time in UTC (the shell's clock; the core takes time as an argument)."""
    return datetime.now(UTC)


def key(post: PostKey) -> tuple[int, str, str]:
    """A post's primary key columns."""
    return post.round_id, post.kind.value, post.user_id


def iso(moment: datetime | None) -> str | None:
    """A time as stored: ISO 8601 in UTC (text, so both engines compare it alike)."""
    return moment.astimezone(UTC).isoformat() if moment is not None else None


def moment(text: str | None) -> datetime | None:
    """A stored time."""
    return datetime.fromisoformat(text) if text else None


def stored(reply: Reply | None) -> str | None:
    """An answer as stored: a level's number or a mark, as text."""
    if reply is None:
        return None
    return reply.value if isinstance(reply, Mark) else str(reply)


def reply(value: object) -> Reply | None:
    """A stored answer (SQLite rows from before 2026-12 hold levels as integers)."""
    if value is None:
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        return int(value)
    return Mark(str(value))


def area_answer(row: Row) -> AreaAnswer:
    """One row of ``answers``."""
    return AreaAnswer(
        current=reply(row["current"]),
        target=reply(row["target"]),
        importance=reply(row["importance"]),
        comment=row["comment"],
    )


def participant(row: Row, answers: dict[str, AreaAnswer]) -> Participant:
    """One row of ``participants`` with the person's answers."""
    updated = moment(row["updated_at"])
    assert updated is not None
    return Participant(
        round_id=int(row["round_id"]),
        user_id=row["user_id"],
        locale=row["locale"],
        state=InterviewState(
            phase=Phase(row["phase"]),
            position=int(row["position"]),
            editing=bool(row["editing"]),
            answers=answers,
        ),
        updated_at=updated,
        tz=row["tz"],
        dm_channel=row["dm_channel"],
        invited_at=moment(row["invited_at"]),
        prompt_ts=row["prompt_ts"],
        reminders_sent=int(row["reminders_sent"]),
        reminded_at=moment(row["reminded_at"]),
        snooze_until=moment(row["snooze_until"]),
    )


def action(row: Row) -> Action:
    """One row of ``actions``."""
    created = moment(row["created_at"])
    assert created is not None
    return Action(
        id=int(row["id"]),
        team_id=row["team_id"],
        channel_id=row["channel_id"],
        round_id=int(row["round_id"]),
        framework_id=row["framework_id"],
        area_id=row["area_id"],
        what=row["what"],
        owner=row["owner"],
        owner_name=row["owner_name"],
        owner_tz=row["owner_tz"],
        lead=row["lead"],
        due=date.fromisoformat(row["due"]),
        created_by=row["created_by"],
        created_at=created,
        done_by=row["done_by"],
        done_at=moment(row["done_at"]),
        reminded_at=moment(row["reminded_at"]),
    )


def schedule(row: Row) -> Schedule:
    """One row of ``schedules``."""
    next_run, created = moment(row["next_run"]), moment(row["created_at"])
    assert next_run is not None and created is not None
    return Schedule(
        team_id=row["team_id"],
        channel_id=row["channel_id"],
        framework_id=row["framework_id"],
        lead=row["lead"],
        lead_tz=row["lead_tz"],
        users=tuple(json.loads(row["users"])),
        lang=row["lang"],
        min_responses=row["min_responses"],
        deadline_days=row["deadline_days"],
        cadence=row["cadence"],
        next_run=next_run,
        created_at=created,
        waiting_told=moment(row["waiting_told"]),
    )
