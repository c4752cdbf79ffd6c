"""The action plan (roadmap items someone took on), overdue digests and recurring schedules."""

from __future__ import annotations

import json
from datetime import date, datetime

from bot.analysis import ActionNote
from bot.model import Action, Round, Schedule
from bot.storage.base import Part
from bot.storage.engines import Params
from bot.storage.rows import action, iso, schedule


class Plan(Part):
    async def add_action(self, item: Action, lead_tz: str | None) -> Action:
        """Store a new action (its ``id`` is ignored) and enrol its lead for overdue digests."""
        async with self._engine.transaction() as tx:
            row = await tx.fetchone(
                "INSERT INTO actions (team_id, channel_id, round_id, framework_id, area_id, what,"
                " owner, owner_name, owner_tz, lead, due, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                (
                    item.team_id, item.channel_id, item.round_id, item.framework_id,
                    item.area_id, item.what, item.owner, item.owner_name, item.owner_tz,
                    item.lead, item.due.isoformat(), item.created_by, iso(item.created_at),
                ),
            )  # fmt: skip
            await tx.execute(
                "INSERT INTO action_digests (team_id, lead, tz) VALUES (?, ?, ?)"
                " ON CONFLICT (team_id, lead) DO UPDATE SET tz = excluded.tz",
                (item.team_id, item.lead, lead_tz),
            )
        assert row is not None
        return action(row)

    async def action(self, action_id: int) -> Action | None:
        rows = await self._actions("id = ?", (action_id,))
        return rows[0] if rows else None

    async def _actions(self, where: str, params: Params, order: str = "id") -> list[Action]:
        rows = await self._all(f"SELECT * FROM actions WHERE {where} ORDER BY {order}", params)
        return [action(row) for row in rows]

    async def channel_actions(self, team_id: str, channel_id: str) -> list[Action]:
        """The channel's actions: open ones by due date, then done ones, latest done first."""
        return await self._actions(
            "team_id = ? AND channel_id = ?",
            (team_id, channel_id),
            "done_at IS NOT NULL, CASE WHEN done_at IS NULL THEN due END, done_at DESC, id",
        )

    async def owner_actions(self, team_id: str, owner: str) -> list[Action]:
        """The person's open actions, by due date."""
        return await self._actions(
            "team_id = ? AND owner = ? AND done_at IS NULL", (team_id, owner), "due, id"
        )

    async def plan_actions(self, round_: Round) -> list[Action]:
        """The channel's actions of ``round_``'s framework made from it or an earlier round."""
        return await self._actions(
            "team_id = ? AND channel_id = ? AND framework_id = ? AND round_id <= ?",
            (round_.team_id, round_.channel_id, round_.framework.id, round_.id),
        )

    async def action_notes(
        self, round_: Round, since: datetime | None, until: datetime
    ) -> tuple[ActionNote, ...]:
        """What ``round_``'s report says of the actions made before it: those open at ``until``
        and those done after ``since`` (the previous round's close)."""
        found = await self._actions(
            "team_id = ? AND channel_id = ? AND framework_id = ? AND round_id < ?"
            " AND created_at <= ? AND (done_at IS NULL OR done_at > ? OR done_at > ?)",
            (
                round_.team_id, round_.channel_id, round_.framework.id, round_.id,
                iso(until), iso(until), iso(since) or "",
            ),
        )  # fmt: skip
        return tuple(
            ActionNote(
                a.area_id,
                a.what,
                a.owner,
                a.owner_name,
                a.due,
                a.done_at is not None and a.done_at <= until,
            )
            for a in found
        )

    async def complete_action(self, action_id: int, by: str, now: datetime) -> bool:
        """Mark an open action done; False when it was done already."""
        return await self._write_one(
            "UPDATE actions SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL",
            (iso(now), by, action_id),
        )

    async def move_action(self, action_id: int, due: date, *, remind: bool) -> bool:
        """Give an open action a new due date, its owner to be reminded again on it when
        ``remind`` (else as they were: reminded already or not); False when it was done
        meanwhile."""
        again = ", reminded_at = NULL" if remind else ""
        return await self._write_one(
            f"UPDATE actions SET due = ?{again} WHERE id = ? AND done_at IS NULL",
            (due.isoformat(), action_id),
        )

    async def unreminded_actions(self, due_by: date) -> list[Action]:
        """Open actions due on or before ``due_by`` whose owner has not been reminded."""
        return await self._actions(
            "done_at IS NULL AND reminded_at IS NULL AND due <= ?", (due_by.isoformat(),), "due"
        )

    async def claim_action_reminder(self, action_id: int, due: date, now: datetime) -> bool:
        """True once per open action and due date: the caller sends the reminder for ``due``
        (not when the date was moved since it was read)."""
        return await self._write_one(
            "UPDATE actions SET reminded_at = ?"
            " WHERE id = ? AND due = ? AND done_at IS NULL AND reminded_at IS NULL",
            (iso(now), action_id, due.isoformat()),
        )

    async def release_action_reminder(self, action_id: int) -> None:
        """Give a claimed reminder back (it could not be sent): the clock tries again."""
        async with self._engine.transaction() as tx:
            await tx.execute("UPDATE actions SET reminded_at = NULL WHERE id = ?", (action_id,))

    async def digest_leads(self, sent_before: datetime) -> list[tuple[str, str, str | None]]:
        """(team, lead, time zone) of every lead not sent a digest since ``sent_before``."""
        rows = await self._all(
            "SELECT team_id, lead, tz FROM action_digests WHERE sent_at IS NULL OR sent_at <= ?",
            (iso(sent_before),),
        )
        return [(row["team_id"], row["lead"], row["tz"]) for row in rows]

    async def overdue_actions(self, team_id: str, lead: str, today: date) -> list[Action]:
        """Open actions of the lead's rounds due before ``today``, by channel and due date."""
        return await self._actions(
            "team_id = ? AND lead = ? AND done_at IS NULL AND due < ?",
            (team_id, lead, today.isoformat()),
            "channel_id, due, id",
        )

    async def claim_digest(
        self, team_id: str, lead: str, now: datetime, sent_before: datetime
    ) -> bool:
        """True once per period: the caller sends the lead's digest."""
        return await self._write_one(
            "UPDATE action_digests SET sent_at = ? WHERE team_id = ? AND lead = ?"
            " AND (sent_at IS NULL OR sent_at <= ?)",
            (iso(now), team_id, lead, iso(sent_before)),
        )

    async def release_digest(self, team_id: str, lead: str, claimed_at: datetime) -> None:
        """Give back the digest claimed at ``claimed_at`` (it could not be sent): due again."""
        await self._write(
            "UPDATE action_digests SET sent_at = NULL"
            " WHERE team_id = ? AND lead = ? AND sent_at = ?",
            (team_id, lead, iso(claimed_at)),
        )

    # ------------------------------------------------------------------ recurring rounds

    async def set_schedule(self, plan: Schedule) -> None:
        """Store the channel's schedule, replacing any earlier one."""
        columns = (
            "framework_id", "lead", "lead_tz", "users", "lang", "min_responses",
            "deadline_days", "cadence", "next_run", "created_at",
        )  # fmt: skip
        await self._write(
            f"INSERT INTO schedules (team_id, channel_id, {', '.join(columns)})"
            f" VALUES ({', '.join('?' * (len(columns) + 2))})"
            " ON CONFLICT (team_id, channel_id) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in columns),
            (
                plan.team_id, plan.channel_id, plan.framework_id, plan.lead,
                plan.lead_tz, json.dumps(list(plan.users)), plan.lang,
                plan.min_responses, plan.deadline_days, plan.cadence,
                iso(plan.next_run), iso(plan.created_at),
            ),
        )  # fmt: skip

    async def schedule(self, team_id: str, channel_id: str) -> Schedule | None:
        found = await self._schedules("team_id = ? AND channel_id = ?", (team_id, channel_id))
        return found[0] if found else None

    async def due_schedules(self, now: datetime) -> list[Schedule]:
        return await self._schedules("next_run <= ?", (iso(now),))

    async def _schedules(self, where: str, params: Params) -> list[Schedule]:
        rows = await self._all(f"SELECT * FROM schedules WHERE {where} ORDER BY next_run", params)
        return [schedule(row) for row in rows]

    async def cancel_schedule(self, team_id: str, channel_id: str) -> bool:
        return await self._write_one(
            "DELETE FROM schedules WHERE team_id = ? AND channel_id = ?", (team_id, channel_id)
        )

    async def claim_waiting_notice(self, plan: Schedule) -> bool:
        """Note that the lead is told that ``plan``'s due run waits for the channel's open
        round; False when told of that run already."""
        return await self._write_one(
            "UPDATE schedules SET waiting_told = next_run WHERE team_id = ? AND channel_id = ?"
            " AND next_run = ? AND (waiting_told IS NULL OR waiting_told != next_run)",
            (plan.team_id, plan.channel_id, iso(plan.next_run)),
        )

    async def release_waiting_notice(self, plan: Schedule) -> None:
        """Undo `claim_waiting_notice` (the lead could not be told)."""
        await self._write(
            "UPDATE schedules SET waiting_told = NULL WHERE team_id = ? AND channel_id = ?"
            " AND waiting_told = ?",
            (plan.team_id, plan.channel_id, iso(plan.next_run)),
        )

    async def advance_schedule(self, plan: Schedule, next_run: datetime) -> bool:
        """Move the schedule on from the run it was at; False when someone else did already."""
        return await self._write_one(
            "UPDATE schedules SET next_run = ? WHERE team_id = ? AND channel_id = ?"
            " AND next_run = ?",
            (iso(next_run), plan.team_id, plan.channel_id, iso(plan.next_run)),
        )
