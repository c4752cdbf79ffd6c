"""The request inbox: Slack's retries dropped, typed answers kept until they are applied."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.storage.base import Part
from bot.storage.engines import Fetch, Params, Unit
from bot.storage.rows import iso, utcnow


class Inbox(Part):
    async def first_time(
        self, key: str, payload: dict[str, Any] | None = None, now: datetime | None = None
    ) -> bool:
        """Record a request key; False when it was recorded before (a retry or a replay).

        With a ``payload`` the request is kept, undone, until `mark_done` (which forgets the
        payload): after a crash, `undone_requests` gives back what was acknowledged but not
        yet applied.
        """
        return await self._write_one(
            "INSERT INTO seen_requests (key, seen_at, payload, done) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (
                key,
                iso(now or utcnow()),
                json.dumps(payload) if payload is not None else None,
                int(payload is None),
            ),
        )

    async def mark_done(self, key: str) -> None:
        """The request's effect is committed: a restart does not apply it again."""
        await self._engine.run(_marking(key))

    async def undone_requests(
        self, before: datetime | None = None
    ) -> list[tuple[str, dict[str, Any]]]:
        """Requests acknowledged but not applied (the process died in between), oldest first;
        only those received ``before``, when given."""
        sql, params = "SELECT key, payload FROM seen_requests WHERE done = 0", []
        if before is not None:
            sql, params = sql + " AND seen_at < ?", [iso(before)]
        rows = await self._all(sql + " ORDER BY seen_at, rowid", params)
        return [(row["key"], json.loads(row["payload"])) for row in rows]

    async def forget_requests_before(self, moment: datetime) -> None:
        """Drop request keys older than ``moment`` (Slack retries within minutes); a
        transaction of its own, as it may delete many rows (not a short unit, `Engine.run`)."""
        async with self._engine.transaction() as tx:
            await tx.execute(
                "DELETE FROM seen_requests WHERE seen_at < ? AND done = 1", (iso(moment),)
            )

    async def ping(self) -> None:
        """Raise unless the database takes a write: a row written and removed in one committed
        transaction (a read-only file, a full disk or a lost server fails it)."""
        async with self._engine.transaction() as tx:
            await tx.execute(
                "INSERT INTO seen_requests (key, seen_at) VALUES ('healthz', ?)"
                " ON CONFLICT (key) DO UPDATE SET seen_at = excluded.seen_at",
                (iso(utcnow()),),
            )
            await tx.execute("DELETE FROM seen_requests WHERE key = 'healthz'")


def _marking(key: str) -> Unit[None]:
    yield Fetch([marking(key)])


def marking(key: str) -> tuple[str, Params]:
    """The query that marks a kept request applied, forgetting what it held (a person's
    answer): it returns a row when it marked it (not when another instance, or a replay, had
    applied it)."""
    sql = "UPDATE seen_requests SET done = 1, payload = NULL WHERE key = ? AND done = 0"
    return sql + " RETURNING key", (key,)
