"""`cx-assess db copy`: every row of one database into another, empty one (SQLite to PostgreSQL,
or back).

The source is read from one snapshot, table by table in `TABLES` order (parents first), a chunk
at a time; the target is written in one transaction, so a failed copy leaves it as it was. Ids
(rounds, actions) and row orders (``rowid``) are kept; PostgreSQL's identity sequences then
continue after them. Each side keeps its own schema version (``cx_assess_schema`` on PostgreSQL,
``user_version`` on SQLite): `bot.storage.Store.open` brought both to this cx-assess's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.storage import Store
from bot.storage.engines import Row, Tx, is_postgres, shown, sqlite_path
from bot.storage.rows import reply, stored
from bot.storage.schema import TABLES

CHUNK = 1000

# The primary key of each table without a row order of its own: the order it is read in (rounds
# by id, as a follow-up names an earlier round).
_KEYS = {
    "rounds": "id",
    "answers": "round_id, user_id, area_id",
    "prompt_messages": "channel_id, ts",
    "actions": "id",
    "action_digests": "team_id, lead",
    "schedules": "team_id, channel_id",
    "discussions": "round_id, area_id",
    "discussion_replies": "channel_id, ts",
    "installations": "enterprise_id, team_id, user_id",
    "installation_bots": "enterprise_id, team_id",
    "oauth_states": "state",
    "org_workspaces": "team_id",
}
_REPLIES = {("answers", "current"), ("answers", "target"), ("answers", "importance")}


class CopyRefused(Exception):
    """The copy cannot be made (nothing was copied); the message says why, for the operator."""


@dataclass(frozen=True)
class Count:
    """How many rows one table holds in the source and, after the copy, in the target."""

    table: str
    source: int
    target: int


def check_urls(source: str, target: str) -> None:
    """`CopyRefused` unless ``source`` is an existing database and ``target`` another one
    (opening a SQLite path that does not exist would create an empty database)."""
    if not is_postgres(source) and not Path(sqlite_path(source)).is_file():
        raise CopyRefused(f"{source}: no such database file")
    if is_postgres(source) or is_postgres(target):
        same = source == target
    else:
        same = Path(sqlite_path(source)).resolve() == Path(sqlite_path(target)).resolve()
    if same:
        raise CopyRefused(f"{shown(source)} is both the source and the target")


async def copy_database(source: Store, target: Store, chunk: int = CHUNK) -> list[Count]:
    """Copy every row of ``source`` into ``target``, in one transaction of the target; the
    counts of each table on both sides. `CopyRefused` when the target holds any row, or when
    the counts differ (then the target is left as it was)."""
    async with source.engine.snapshot() as reading, target.engine.transaction() as writing:
        for table, _ in TABLES:
            if await writing.fetchone(f"SELECT 1 FROM {table} LIMIT 1") is not None:
                raise CopyRefused(
                    f"{target.engine.name} is not empty (its {table} table has rows):"
                    " copy into a new database"
                )
        counts = []
        for table, ordered in TABLES:
            await _copy_table(reading, writing, table, ordered, source.engine.dialect, chunk)
            counts.append(Count(table, await _count(reading, table), await _count(writing, table)))
        wrong = [c.table for c in counts if c.source != c.target]
        if wrong:
            raise CopyRefused(
                f"the row counts of {', '.join(wrong)} differ after copying to"
                f" {target.engine.name}: nothing was copied"
            )
        if target.engine.dialect == "postgresql":
            await _continue_identities(writing)
    return counts


async def _copy_table(
    reading: Tx, writing: Tx, table: str, ordered: bool, dialect: str, chunk: int
) -> None:
    # SQLite's rowid is implicit (left out of *); PostgreSQL's is a column of its own.
    columns = "rowid, *" if ordered and dialect == "sqlite" else "*"
    order = "rowid" if ordered else _KEYS[table]
    async for rows in reading.chunks(f"SELECT {columns} FROM {table} ORDER BY {order}", (), chunk):
        names = list(rows[0].keys())
        await writing.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
            [_values(table, names, row) for row in rows],
        )


def _values(table: str, names: Sequence[str], row: Row) -> tuple[Any, ...]:
    """A row as the target stores it: answers as text (older SQLite rows hold integers)."""
    return tuple(
        stored(reply(row[name])) if (table, name) in _REPLIES else row[name] for name in names
    )


async def _count(tx: Tx, table: str) -> int:
    row = await tx.fetchone(f"SELECT count(*) FROM {table}")
    assert row is not None
    return int(row[0])


async def _continue_identities(writing: Tx) -> None:
    """Move PostgreSQL's identity sequences past the copied ids, so new rows get new ones."""
    for table, ordered in TABLES:
        column = "rowid" if ordered else _KEYS[table]
        if column in ("id", "rowid"):
            await writing.fetchone(
                f"SELECT setval(pg_get_serial_sequence(?, ?), max({column})) FROM {table}",
                (table, column),
            )
