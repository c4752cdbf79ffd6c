"""Rounds: opening, finding, closing and cancelling them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from bot.flows.interview import Phase
from bot.frameworks import Framework
from bot.model import (
    FollowupExists,
    Invitee,
    PostKind,
    Round,
    RoundAlreadyOpen,
    RoundNotOpen,
    RoundStatus,
)
from bot.storage.base import Part
from bot.storage.engines import Tx
from bot.storage.rows import iso, utcnow

_OPEN_IN_CHANNEL = "SELECT id FROM rounds WHERE team_id = ? AND channel_id = ? AND status = 'open'"
_FOLLOWUP = "SELECT * FROM rounds WHERE followup_of = ? AND iteration = ? AND status != 'cancelled'"


class Rounds(Part):
    async def create_round(
        self,
        *,
        team_id: str,
        channel_id: str,
        framework: Framework,
        started_by: str,
        participants: Iterable[Invitee],
        lang: str = "en",
        deadline: datetime | None = None,
        min_responses: int | None = None,
        now: datetime | None = None,
        announced: bool = False,
        followup_of: int | None = None,
        iteration: int = 1,
    ) -> Round:
        """Open a round with its participants in one transaction.

        ``announced``: a Slack round, whose announcement and invitations are due from now on
        (and its summary once it closes); a terminal round has none. ``followup_of`` and
        ``iteration``: a Delphi follow-up (`FollowupExists` when that iteration exists).
        `RoundAlreadyOpen` when the channel has an open round.
        """
        now = now or utcnow()
        people = list(participants)
        async with self._engine.transaction() as tx:
            await tx.lock(f"channel:{team_id}:{channel_id}")
            existing = await tx.fetchone(_OPEN_IN_CHANNEL, (team_id, channel_id))
            if existing is not None:
                raise RoundAlreadyOpen(int(existing["id"]))
            if followup_of is not None:
                await tx.lock(f"followup:{followup_of}")
                if await tx.fetchone(_FOLLOWUP, (followup_of, iteration)) is not None:
                    raise FollowupExists(followup_of)
            row = await tx.fetchone(
                "INSERT INTO rounds (team_id, channel_id, framework_id, framework, started_by,"
                " lang, min_responses, deadline, created_at, followup_of, iteration)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (
                    team_id,
                    channel_id,
                    framework.id,
                    json.dumps(framework.to_dict(), ensure_ascii=False),
                    started_by,
                    lang,
                    min_responses,
                    iso(deadline),
                    iso(now),
                    followup_of,
                    iteration,
                ),
            )
            assert row is not None
            round_id = int(row["id"])
            await tx.executemany(
                "INSERT INTO participants (round_id, user_id, locale, tz, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(round_id, p.user_id, p.locale, p.tz, iso(now)) for p in people],
            )
            if announced:
                await tx.executemany(
                    "INSERT INTO posts (round_id, kind, user_id) VALUES (?, ?, ?)"
                    " ON CONFLICT DO NOTHING",
                    [(round_id, PostKind.ANNOUNCEMENT.value, "")]
                    + [(round_id, PostKind.INVITATION.value, p.user_id) for p in people],
                )
        return self._round(row)

    async def get_round(self, round_id: int) -> Round | None:
        async with self._engine.reading() as tx:
            return await self._round_by_id(tx, round_id)

    async def open_round(self, team_id: str, channel_id: str) -> Round | None:
        """The channel's open round, if any."""
        row = await self._one(
            "SELECT * FROM rounds WHERE team_id = ? AND channel_id = ? AND status = 'open'",
            (team_id, channel_id),
        )
        return self._round(row) if row else None

    async def rounds_in_channel(
        self, team_id: str, channel_id: str, limit: int = 20
    ) -> list[Round]:
        """The channel's rounds, newest first."""
        rows = await self._all(
            "SELECT * FROM rounds WHERE team_id = ? AND channel_id = ? ORDER BY id DESC LIMIT ?",
            (team_id, channel_id, limit),
        )
        return [self._round(row) for row in rows]

    async def previous_closed_round(self, current: Round) -> Round | None:
        """The channel's last closed round of the same framework before ``current`` (follow-ups
        left out: their result is in the round they follow up)."""
        row = await self._one(
            "SELECT * FROM rounds WHERE team_id = ? AND channel_id = ? AND framework_id = ?"
            " AND status = 'closed' AND followup_of IS NULL AND id < ? ORDER BY id DESC LIMIT 1",
            (current.team_id, current.channel_id, current.framework.id, current.id),
        )
        return self._round(row) if row else None

    async def set_deadline(self, round_id: int, deadline: datetime) -> bool:
        """Move an open round's deadline, in one transaction with what follows from it: whoever
        has not finished may get the automatic reminders again before it. False when the round
        is not open (closed or cancelled meanwhile) or closes then already (a second submission
        of the same form: nobody is reminded twice)."""
        async with self._engine.transaction() as tx:
            moved = await tx.execute_each(
                [
                    (
                        "UPDATE rounds SET deadline = ?, lead_warned_at = NULL"
                        " WHERE id = ? AND status = 'open' AND (deadline IS NULL OR deadline <> ?)",
                        (iso(deadline), round_id, iso(deadline)),
                    ),
                    (
                        "UPDATE participants SET reminders_sent = 0"
                        " WHERE round_id = ? AND phase NOT IN ('finished', 'closed')",
                        (round_id,),
                    ),
                ],
                chained=True,
            )
        return moved[0] == 1

    async def finish_round(
        self,
        round_id: int,
        status: RoundStatus,
        result: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        """Close or cancel an open round, storing its report; `RoundNotOpen` if it is not open.

        Closing an announced round makes its summary due, in the same transaction.
        """
        async with self._engine.transaction() as tx:
            await _finish(tx, round_id, status, result, now)

    async def close_followup(
        self,
        round_id: int,
        result: dict[str, Any],
        parent_id: int,
        parent_result: dict[str, Any],
        now: datetime | None = None,
    ) -> None:
        """Close a Delphi follow-up and update the round it follows up with the agreed levels,
        in one transaction; `RoundNotOpen` if the follow-up is not open."""
        async with self._engine.transaction() as tx:
            await _finish(tx, round_id, RoundStatus.CLOSED, result, now)
            await tx.execute(
                "UPDATE rounds SET result = ? WHERE id = ?",
                (json.dumps(parent_result, ensure_ascii=False), parent_id),
            )

    async def iteration_round(self, first_id: int, iteration: int) -> Round | None:
        """Iteration ``iteration`` of round ``first_id``'s Delphi follow-up (1: the round itself)."""
        if iteration == 1:
            return await self.get_round(first_id)
        row = await self._one(_FOLLOWUP, (first_id, iteration))
        return self._round(row) if row else None

    async def followups(self, round_id: int) -> list[Round]:
        """The Delphi follow-ups of ``round_id`` that were not cancelled, by iteration."""
        rows = await self._all(
            "SELECT * FROM rounds WHERE followup_of = ? AND status != 'cancelled'"
            " ORDER BY iteration",
            (round_id,),
        )
        return [self._round(row) for row in rows]

    async def discard_round(self, round_id: int) -> None:
        """Delete a round nobody ever heard of: its announcement was refused for good (a
        transaction of its own: the delete cascades to its participants, not a short unit)."""
        async with self._engine.transaction() as tx:
            await tx.execute(
                "DELETE FROM rounds WHERE id = ? AND EXISTS (SELECT 1 FROM posts"
                " WHERE round_id = ? AND kind = ? AND state = 'refused')",
                (round_id, round_id, PostKind.ANNOUNCEMENT.value),
            )
        self._snapshots.pop(round_id, None)  # SQLite gives its id to the next round

    async def claim_lead_told_done(self, round_id: int, now: datetime) -> bool:
        """True once per round: the caller is the one to tell the lead that all finished."""
        return await self._write_one(
            "UPDATE rounds SET lead_told_done_at = ?"
            " WHERE id = ? AND status = 'open' AND lead_told_done_at IS NULL",
            (iso(now), round_id),
        )

    async def claim_lead_warned(self, round_id: int, now: datetime) -> bool:
        """True once per open round and deadline: the caller tells the lead it closes soon."""
        return await self._write_one(
            "UPDATE rounds SET lead_warned_at = ?"
            " WHERE id = ? AND status = 'open' AND lead_warned_at IS NULL",
            (iso(now), round_id),
        )

    async def release_lead_warned(self, round_id: int, now: datetime) -> None:
        """Give a claimed warning back (Slack certainly did not post it): the clock tries again."""
        await self._write(
            "UPDATE rounds SET lead_warned_at = NULL WHERE id = ? AND lead_warned_at = ?",
            (round_id, iso(now)),
        )

    async def release_lead_told_done(self, round_id: int, now: datetime) -> None:
        """Give back the claim taken at ``now`` (Slack certainly did not post the DM)."""
        await self._write(
            "UPDATE rounds SET lead_told_done_at = NULL WHERE id = ? AND lead_told_done_at = ?",
            (round_id, iso(now)),
        )

    async def open_rounds(self) -> list[Round]:
        """Every open round (for deadlines and reminders)."""
        rows = await self._all("SELECT * FROM rounds WHERE status = 'open' ORDER BY id")
        return [self._round(row) for row in rows]

    async def rounds_started_by(self, team_id: str, user_id: str, limit: int = 10) -> list[Round]:
        """Rounds the person started, newest first."""
        rows = await self._all(
            "SELECT * FROM rounds WHERE team_id = ? AND started_by = ? ORDER BY id DESC LIMIT ?",
            (team_id, user_id, limit),
        )
        return [self._round(row) for row in rows]

    async def closed_rounds_for(self, team_id: str, user_id: str, limit: int = 5) -> list[Round]:
        """Closed rounds the person started or took part in, newest first; not follow-ups (their
        agreed levels are in the first round's result)."""
        rows = await self._all(
            "SELECT * FROM rounds r WHERE r.team_id = ? AND r.status = 'closed'"
            " AND r.followup_of IS NULL AND"
            " (r.started_by = ? OR EXISTS (SELECT 1 FROM participants p"
            " WHERE p.round_id = r.id AND p.user_id = ?)) ORDER BY r.id DESC LIMIT ?",
            (team_id, user_id, user_id, limit),
        )
        return [self._round(row) for row in rows]


async def _finish(
    tx: Tx,
    round_id: int,
    status: RoundStatus,
    result: dict[str, Any] | None,
    now: datetime | None,
) -> None:
    changed = await tx.execute(
        "UPDATE rounds SET status = ?, closed_at = ?, result = ? WHERE id = ? AND status = 'open'",
        (
            status.value,
            iso(now or utcnow()),
            json.dumps(result, ensure_ascii=False) if result is not None else None,
            round_id,
        ),
    )
    if changed != 1:
        raise RoundNotOpen(f"round {round_id} is not open")
    await tx.execute(
        "UPDATE participants SET phase = ? WHERE round_id = ?", (Phase.CLOSED.value, round_id)
    )
    if status is RoundStatus.CLOSED:
        await tx.execute(
            "INSERT INTO posts (round_id, kind) SELECT CAST(? AS INTEGER), ? WHERE EXISTS"
            " (SELECT 1 FROM posts WHERE round_id = ? AND kind = ?) ON CONFLICT DO NOTHING",
            (round_id, PostKind.SUMMARY.value, round_id, PostKind.ANNOUNCEMENT.value),
        )
