"""The databases the benchmarks run cx-assess on: SQLite files and a throwaway PostgreSQL server.

``$BENCH_ENGINES`` (comma-separated; ``python -m benchmarks --engine NAME`` sets it) picks the
engines, both by default. The PostgreSQL server is `tests.pgserver.PgServer` made *durable*
(fsync, synchronous commit and full-page writes on, PostgreSQL's defaults), so that its commits
reach the disk as SQLite's do under ``synchronous=FULL``; it is started on first use and removed
with its data when `Databases` closes. The helpers read a database from outside the server under
test, whichever engine its URL names.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Coroutine
from contextlib import closing, suppress
from pathlib import Path
from typing import Any

from tests.pgserver import PgServer, PgServerError

ENGINES = ("sqlite", "postgresql")


def engines() -> list[str]:
    """The engines to benchmark, in `ENGINES` order: ``$BENCH_ENGINES``, else all."""
    wanted = {e.strip() for e in os.environ.get("BENCH_ENGINES", "").split(",") if e.strip()}
    unknown = wanted - set(ENGINES)
    if unknown:
        raise SystemExit(
            f"unknown engine: {', '.join(sorted(unknown))} (known: {', '.join(ENGINES)})"
        )
    return [e for e in ENGINES if not wanted or e in wanted]


class Databases:
    """Fresh databases on either engine: SQLite files in ``tmp``, PostgreSQL databases on one
    durable throwaway server (started on first use, stopped by `close`)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.server: PgServer | None = None
        self._count = 0

    def close(self) -> None:
        """Stop the PostgreSQL server, if it was started, and remove its data."""
        if self.server is not None:
            self.server.stop()

    def fresh(self, engine: str) -> str:
        """The URL of a new, empty database on ``engine`` (a path for SQLite)."""
        if engine == "sqlite":
            self._count += 1
            return str(self.tmp / f"cx-{self._count}.db")
        if self.server is None:
            self.server = PgServer(durable=True).start()
        return self.server.fresh_database()

    def server_cpu_seconds(self) -> float:
        """User + system CPU time the PostgreSQL server's live processes have used so far: the
        postmaster and its children (the connections' backends, the WAL writer, the
        checkpointer...); 0 before it starts. A connection closed meanwhile drops out."""
        from benchmarks._slackbench import cpu_seconds

        if self.server is None:
            return 0.0
        postmaster = int((self.server.data / "postmaster.pid").read_text().split()[0])
        total = 0.0
        for pid in (postmaster, *children(postmaster)):
            with suppress(OSError):  # it exited meanwhile
                total += cpu_seconds(pid)
        return total


def engine_of(url: str) -> str:
    from bot.storage.engines import is_postgres

    return "postgresql" if is_postgres(url) else "sqlite"


async def query(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """The rows of a read-only query (``?`` placeholders) on the database ``url`` names."""
    from bot.storage.engines import is_postgres, sqlite_path, to_numbered

    if is_postgres(url):
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            return [tuple(row) for row in await conn.fetch(to_numbered(sql), *params)]
        finally:
            await conn.close()
    with closing(sqlite3.connect(f"file:{sqlite_path(url)}?mode=ro", uri=True)) as db:
        return db.execute(sql, params).fetchall()


async def database_bytes(url: str) -> int:
    """What the data takes on disk: SQLite's file once the WAL is folded into it; PostgreSQL's
    tables with their indexes and TOAST (not the empty database's catalogs, nor the WAL)."""
    from bot.storage.engines import is_postgres, sqlite_path

    if is_postgres(url):
        rows = await query(
            url,
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n"
            " ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'",
        )
        return int(rows[0][0])
    path = sqlite_path(url)
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Path(path).stat().st_size


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux ``/proc``)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # it exited meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def on_each_engine(
    bench: str, run: Callable[[str], Coroutine[Any, Any, None]], timeout_s: float
) -> None:
    """``asyncio.run(run(url))`` on a fresh database of each engine benchmarked, in a temp dir
    removed at the end; a timeout or a server that cannot start is a MISS, then the next one."""
    tmp = Path(tempfile.mkdtemp(prefix=f"cx-bench-{bench}-"))
    try:
        with closing(Databases(tmp)) as databases:
            for engine in engines():
                try:
                    asyncio.run(run(databases.fresh(engine)))
                except TimeoutError:
                    print(f"{bench}: {engine}: MISS: it did not finish within {timeout_s:.0f} s")
                except PgServerError as exc:
                    print(f"{bench}: {engine}: MISS: no PostgreSQL server: {exc}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
