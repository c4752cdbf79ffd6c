"""What every part of the store shares: the engine, reads outside transactions, round rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.frameworks import Framework, parse_framework
from bot.model import Round, RoundStatus
from bot.storage.engines import Engine, Fetch, Params, Row, Tx, Unit, executing
from bot.storage.rows import moment

# Every column of ``rounds`` but the framework snapshot.
_LEAN = (
    "id, team_id, channel_id, framework_id, started_by, status, lang, min_responses, deadline,"
    " created_at, closed_at, result, announce_ts, summary_ts, followup_of, iteration"
)


class Part:
    """A part of `bot.storage.Store` (one aggregate's SQL); the parts share one engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        # A round's snapshot never changes; kept with the round's creation time, as SQLite gives
        # a deleted round's id to the next round (another process may have deleted it).
        self._snapshots: dict[int, tuple[str, Framework]] = {}

    async def _one(self, sql: str, params: Params = ()) -> Row | None:
        async with self._engine.reading() as tx:
            return await tx.fetchone(sql, params)

    async def _all(self, sql: str, params: Params = ()) -> list[Row]:
        async with self._engine.reading() as tx:
            return await tx.fetchall(sql, params)

    async def _write(self, sql: str, params: Params = ()) -> int:
        """One statement committed on its own (`Engine.write`); the number of rows it changed."""
        return await self._engine.write(sql, params)

    async def _write_each(
        self, statements: Sequence[tuple[str, Params]], chained: bool = False
    ) -> list[int]:
        """Statements in a transaction of their own (`Tx.execute_each`), run with the other
        writes that come at the same time (`Engine.run`)."""
        return await self._engine.run(executing(statements, chained))

    async def _write_one(self, sql: str, params: Params = ()) -> bool:
        """One statement in a transaction of its own; whether it changed exactly one row (a
        claim taken, a compare-and-set won)."""
        return await self._write(sql, params) == 1

    async def _round_by_id(self, tx: Tx, round_id: int) -> Round | None:
        """One round, its framework snapshot read only the first time (it never changes, and
        it is the biggest column of the hot path's reads)."""
        return await tx.run(self._read_round(round_id))

    def _read_round(self, round_id: int) -> Unit[Round | None]:
        (rows,) = yield Fetch([self._round_query(round_id)])
        return (yield from self._round_of(round_id, rows[0] if rows else None))

    def _round_query(self, round_id: int) -> tuple[str, Params]:
        """The query `_round_of` reads a round from."""
        lean = round_id in self._snapshots
        return f"SELECT {_LEAN if lean else '*'} FROM rounds WHERE id = ?", (round_id,)

    def _round_of(self, round_id: int, row: Row | None) -> Unit[Round | None]:
        """The round a `_round_query` row stands for (read again whole when the id now names
        another round than the snapshot kept)."""
        cached = self._snapshots.get(round_id)
        if row is not None and cached is not None and cached[0] != row["created_at"]:
            (rows,) = yield Fetch([("SELECT * FROM rounds WHERE id = ?", (round_id,))])
            row = rows[0] if rows else None
        return self._round(row) if row else None

    def _round(self, row: Row) -> Round:
        round_id = int(row["id"])
        cached = self._snapshots.get(round_id)
        if cached is not None and cached[0] == row["created_at"]:
            framework = cached[1]
        else:
            framework = parse_framework(json.loads(row["framework"]), f"round {round_id} snapshot")
            self._snapshots[round_id] = (row["created_at"], framework)
        created = moment(row["created_at"])
        assert created is not None
        result: dict[str, Any] | None = json.loads(row["result"]) if row["result"] else None
        return Round(
            id=round_id,
            team_id=row["team_id"],
            channel_id=row["channel_id"],
            framework=framework,
            started_by=row["started_by"],
            status=RoundStatus(row["status"]),
            lang=row["lang"],
            min_responses=row["min_responses"],
            deadline=moment(row["deadline"]),
            created_at=created,
            closed_at=moment(row["closed_at"]),
            result=result,
            announce_ts=row["announce_ts"],
            summary_ts=row["summary_ts"],
            followup_of=row["followup_of"],
            iteration=row["iteration"],
        )
