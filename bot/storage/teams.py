"""All of one workspace's data, to hand over or remove (`cx-assess data export|delete --team`)."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.base import Part
from bot.storage.engines import Tx

_OF_ROUNDS = "round_id IN (SELECT id FROM rounds WHERE team_id = ?)"
# Each table's rows that belong to a workspace (the team id as the one parameter), in the order
# an export lists them. Installations are left out of exports: they hold tokens.
_ROWS: tuple[tuple[str, str], ...] = (
    ("rounds", "team_id = ?"),
    ("participants", _OF_ROUNDS),
    ("answers", _OF_ROUNDS),
    ("prompt_messages", _OF_ROUNDS),
    ("posts", _OF_ROUNDS),
    ("discussions", _OF_ROUNDS),
    (
        "discussion_replies",
        "(channel_id, thread_ts) IN (SELECT channel_id, ts FROM discussions WHERE "
        + _OF_ROUNDS
        + ")",
    ),
    ("actions", "team_id = ?"),
    ("action_digests", "team_id = ?"),
    ("schedules", "team_id = ?"),
)
# Deleted in this order (children the database does not remove with their parent first); the
# rest of a round goes with it (ON DELETE CASCADE).
_DELETED: tuple[tuple[str, str], ...] = (
    ("actions", "team_id = ?"),
    ("action_digests", "team_id = ?"),
    ("schedules", "team_id = ?"),
    ("rounds", "team_id = ?"),
    ("installations", "team_id = ?"),
    ("installation_bots", "team_id = ?"),
    ("org_workspaces", "team_id = ?"),
)


class Teams(Part):
    async def team_data(self, team_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every row the workspace ``team_id`` has, by table (installations left out)."""
        async with self._engine.snapshot() as tx:
            return {
                table: [
                    dict(row)
                    for row in await tx.fetchall(f"SELECT * FROM {table} WHERE {where}", (team_id,))
                ]
                for table, where in _ROWS
            }

    async def team_counts(self, team_id: str) -> dict[str, int]:
        """How many rows of each table `delete_team` would remove."""
        async with self._engine.reading() as tx:
            return await _counts(tx, team_id)

    async def delete_team(self, team_id: str) -> dict[str, int]:
        """Remove every row of the workspace ``team_id`` in one transaction; how many rows of
        each table went."""
        async with self._engine.transaction() as tx:
            counts = await _counts(tx, team_id)
            for table, where in _DELETED:
                await tx.execute(f"DELETE FROM {table} WHERE {where}", (team_id,))
            for key in await _kept_requests(tx, team_id):
                await tx.execute("DELETE FROM seen_requests WHERE key = ?", (key,))
        return counts


async def _counts(tx: Tx, team_id: str) -> dict[str, int]:
    counts = {}
    for table, where in (*_ROWS, *_DELETED[-3:]):
        row = await tx.fetchone(f"SELECT count(*) FROM {table} WHERE {where}", (team_id,))
        counts[table] = int(row[0]) if row else 0
    counts["seen_requests"] = len(await _kept_requests(tx, team_id))
    return counts


async def _kept_requests(tx: Tx, team_id: str) -> list[str]:
    """The keys of the workspace's answers waiting in the request inbox (what people wrote or
    clicked, with their user id; the workspace is inside the kept request; an applied one
    keeps only its key)."""
    rows = await tx.fetchall("SELECT key, payload FROM seen_requests WHERE payload IS NOT NULL")
    return [row["key"] for row in rows if json.loads(row["payload"]).get("team") == team_id]
