"""The two database engines behind `bot.storage.Store`: SQLite (aiosqlite) and PostgreSQL (asyncpg).

Both take the same SQL, written in the dialect the two share (``?`` placeholders, ``ON CONFLICT``,
``RETURNING``), through one small interface: a `Tx` runs statements inside one transaction
(`Engine.transaction`) or, for reads that need no write lock, outside any (`Engine.reading`);
`Engine.snapshot` reads one consistent state, a chunk at a time (`cx-assess db copy`). A unit of
work with decisions between its statements is written once for both, as a generator of `Fetch`
and `Execute` requests (`Unit`): SQLite runs it whole in one go (see `Engine.run`), PostgreSQL
one request at a time.

- **SQLite**: one write connection, its transactions ``BEGIN IMMEDIATE`` and one at a time; a
  second connection for reads, which WAL lets run while a write is under way. Durability: WAL
  with ``synchronous=FULL``. ``:memory:`` uses the one connection for both.
- **PostgreSQL**: a pool of connections; each transaction on one of them (READ COMMITTED), with
  `Tx.lock` an advisory lock held until it ends, so that what several instances do to one
  person, post or channel happens one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import re
import sqlite3
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeAlias, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiosqlite

BUSY_TIMEOUT_MS = 5000
POOL_SIZE = 10
BATCH_MAX = 64  # units of work sharing one SQLite commit, at most
STATEMENT_CACHE = 500  # prepared statements kept per PostgreSQL connection (the app has ~150)
CONNECT_TIMEOUT_S = 10.0
MIGRATION_LOCK = 0x6378_6173  # "cxas": the advisory lock that migrations hold on PostgreSQL

Row: TypeAlias = Any  # sqlite3.Row or asyncpg.Record: both index by column name
Params: TypeAlias = Sequence[Any]


class DatabaseUnusable(Exception):
    """The database cannot be opened as it is; the message says why, for the operator."""


class Conflict(Exception):
    """A write broke a uniqueness rule (another writer got there first)."""


_T = TypeVar("_T")


@dataclass(frozen=True)
class Fetch:
    """A unit's request: every row of each query (it receives a list of row lists)."""

    queries: Sequence[tuple[str, Params]]


@dataclass(frozen=True)
class Execute:
    """A unit's request: run statements in order (it receives the rows each changed);
    ``chained``: stop after one that changed no row."""

    statements: Sequence[tuple[str, Params]]
    chained: bool = False


# A unit of work: yields its requests, receives their results, returns its outcome.
Unit: TypeAlias = Generator[Fetch | Execute, Any, _T]


def executing(statements: Sequence[tuple[str, Params]], chained: bool = False) -> Unit[list[int]]:
    """The unit that runs ``statements`` (see `Execute`): the rows each changed."""
    changed: list[int] = yield Execute(statements, chained)
    return changed


class Tx(Protocol):
    """Statements inside one transaction (or, from `Engine.reading`, outside any)."""

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run a statement; the number of rows it changed."""

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run a statement once per row of parameters."""

    async def execute_each(
        self, statements: Sequence[tuple[str, Params]], *, chained: bool = False
    ) -> list[int]:
        """Run statements in order, in one go (one hop on SQLite); the rows each changed.
        ``chained``: stop after one that changed no row (the rest depend on it)."""

    async def fetch_each(self, queries: Sequence[tuple[str, Params]]) -> list[list[Row]]:
        """Every row of each query, in one go (one hop on SQLite)."""

    async def run(self, unit: Unit[_T]) -> _T:
        """Run ``unit`` and return its outcome: on SQLite whole on the connection's thread (one
        hop, in a copy of the caller's context, so context variables read the same), on
        PostgreSQL a request at a time. A failing statement ends it: the error is raised to the
        caller, not thrown into the unit."""

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """The first row of a query, or None."""

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row of a query."""

    async def lock(self, key: str) -> None:
        """Wait until no other transaction holds ``key``, then hold it until this one ends."""

    def chunks(self, sql: str, params: Params = (), size: int = 1000) -> AsyncIterator[list[Row]]:
        """A query's rows, ``size`` at a time (inside `Engine.transaction` or `Engine.snapshot`)."""


class Engine(Protocol):
    """An open database."""

    dialect: str  # "sqlite" or "postgresql"
    name: str  # where it is, for messages (a URL without its password)

    def transaction(self) -> AbstractAsyncContextManager[Tx]:
        """One write transaction: committed when the block ends, rolled back when it raises."""

    def reading(self) -> AbstractAsyncContextManager[Tx]:
        """Reads of committed data that do not wait for writes."""

    async def write(self, sql: str, params: Params = ()) -> int:
        """One statement committed on its own; the number of rows it changed. On SQLite a unit
        (`run`), committed with the others that come at the same time; on PostgreSQL one round
        trip outside any explicit transaction (no BEGIN and COMMIT of its own)."""

    async def run(self, unit: Unit[_T], lock: str | None = None) -> _T:
        """``unit`` in a write transaction of its own, holding ``lock`` (see `Tx.lock`); its
        outcome once committed. For short units (an answer's): on SQLite, a unit that comes
        alone runs in one hop to the connection's thread, BEGIN to COMMIT; those that arrive
        while a write is under way then run together, each in a savepoint, on the event loop's
        own thread, BEGIN (unless another process holds the write lock) to COMMIT: the sqlite3
        module gives up the GIL at every statement, and a thread can wait long to win it back
        from a busy loop (`benchmarks/bench_units.py`). One that raises fails alone, a failing
        COMMIT fails them all. A caller that gives up (is cancelled) before its unit has begun
        stops it; once begun, it ends as it would have (and commits). Long statements belong
        in `transaction`."""

    def snapshot(self) -> AbstractAsyncContextManager[Tx]:
        """Reads that all see one state of the database, however long they take (a copy)."""

    async def upgrade(self, migrations: Sequence[str]) -> None:
        """Bring the schema up to date: run the migrations it has not run yet, each in one
        transaction; `DatabaseUnusable` when a newer cx-assess wrote it."""

    async def close(self) -> None:
        """Close every connection."""


def is_postgres(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL database (else it is SQLite: a path or sqlite:///)."""
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> str:
    """The file of a SQLite URL (``sqlite:///relative``, ``sqlite:////absolute``) or path."""
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url


def shown(url: str) -> str:
    """``url`` with any password masked, fit for logs and messages."""
    if not is_postgres(url):
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


async def connect(url: str) -> Engine:
    """Open the database ``url`` names; `DatabaseUnusable` says why it cannot be."""
    if is_postgres(url):
        return await _Postgres.connect(url)
    return await _Sqlite.connect(sqlite_path(url))


# ---------------------------------------------------------------------- SQLite


def _rows(conn: sqlite3.Connection, sql: str, params: Params, one: bool) -> Any:
    cur = conn.execute(sql, params)
    try:
        return cur.fetchone() if one else cur.fetchall()
    finally:
        cur.close()


def _changed(
    conn: sqlite3.Connection, statements: Sequence[tuple[str, Params]], chained: bool
) -> list[int]:
    changed: list[int] = []
    for sql, params in statements:
        changed.append(conn.execute(sql, params).rowcount)
        if chained and not changed[-1]:
            break
    return changed


def _fetched(conn: sqlite3.Connection, queries: Sequence[tuple[str, Params]]) -> list[list[Row]]:
    return [_rows(conn, sql, params, one=False) for sql, params in queries]


def _advance(unit: Unit[_T], result: Any) -> tuple[Fetch | Execute | None, Any]:
    """Give ``unit`` the result of its last request: (its next request, None), or (None, its
    outcome) once it has returned."""
    try:
        return unit.send(result), None
    except StopIteration as done:
        return None, done.value


def _drive(unit: Unit[_T], conn: sqlite3.Connection) -> _T:
    """Run ``unit`` to its end on ``conn`` (on the connection's thread)."""
    request, outcome = _advance(unit, None)
    while request is not None:
        result: list[Any]
        if isinstance(request, Fetch):
            result = _fetched(conn, request.queries)
        else:
            result = _changed(conn, request.statements, request.chained)
        request, outcome = _advance(unit, result)
    return outcome  # type: ignore[no-any-return]


@contextlib.contextmanager
def _unique_is_conflict() -> Iterator[None]:
    try:
        yield
    except sqlite3.IntegrityError as exc:
        if "UNIQUE" in str(exc):
            raise Conflict(str(exc)) from exc
        raise


def _begin_at_once(conn: sqlite3.Connection) -> bool:
    """``BEGIN IMMEDIATE`` without waiting; False when another connection holds the write
    lock (nothing begun)."""
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # any kind of busy
            raise
        return False
    finally:
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        except BaseException:
            if conn.in_transaction:  # begun, but not to be counted as begun: undone
                conn.execute("ROLLBACK")
            raise
    return True


async def _on_thread(db: aiosqlite.Connection, run: Callable[[], _T]) -> _T:
    """Run ``run`` on the connection's thread, in one hop (aiosqlite's own way, not public)."""
    result: _T = await db._execute(run)  # type: ignore[no-untyped-call]
    return result


class _Opening(str):
    """A unit's BEGIN or SAVEPOINT while it waits in ``pending``: told apart by identity from
    the same statement of a unit that came after it (`_SqliteTx.undo`)."""


class _SqliteTx:
    """Each call is one hop to the connection's thread (a hop costs tens of µs of CPU and a
    turn of the event loop): a query is run and read there in one go, and the statements that
    open and close units of work (``pending``: BEGIN, SAVEPOINT, RELEASE) run in the hop of
    the next statement. `here` and `now` run on the event loop's thread instead (a batch of
    units, `_Sqlite.run`)."""

    def __init__(self, db: aiosqlite.Connection, local: bool = False) -> None:
        self.db = db
        self.local = local  # whether work may run on the event loop's thread (`here`, `now`)
        self.pending: list[str] = []  # to run before the next statement, in its hop
        self.hops = 0
        self._sent = 0  # hops handed to the thread (counted on the loop) …
        self._done = 0  # … and those it has finished (counted on the thread)

    async def hop(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` on the connection's thread, after what is pending (`now`, there)."""
        return await self.submit(lambda: self.now(work))

    async def submit(self, run: Callable[[], _T]) -> _T:
        """Hand ``run`` to the connection's thread (it runs there even if the caller gives up
        waiting, and `free` knows until it has)."""

        def counted() -> _T:
            try:
                return run()
            finally:
                self._done += 1

        self.hops += 1
        self._sent += 1
        return await _on_thread(self.db, counted)

    def free(self) -> bool:
        """Whether work may run on the loop's thread now: the connection is this engine's
        alone, and no hop is still queued or running on its thread."""
        return self.local and self._done == self._sent

    async def here(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` on the event loop's own thread, after what is pending: for short
        statements inside a transaction. A pending BEGIN that would wait for another
        process's write lock waits for it in a hop instead (the loop goes on)."""
        conn = self.db._conn
        if not self.free():
            return await self.hop(work)
        if self.pending[:1] == ["BEGIN IMMEDIATE"]:
            if _begin_at_once(conn):
                self.pending.pop(0)
            else:
                await self.hop(lambda conn: None)
        return self.now(work)

    def now(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run what is pending, then ``work``, at once on the calling thread."""
        conn = self.db._conn
        pending = self.pending[:]
        self.pending.clear()
        for statement in pending:
            conn.execute(statement)
        return work(conn)

    async def execute(self, sql: str, params: Params = ()) -> int:
        return (await self.execute_each([(sql, params)]))[0]

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self.hop(lambda conn: conn.executemany(sql, rows))

    async def execute_each(
        self, statements: Sequence[tuple[str, Params]], *, chained: bool = False
    ) -> list[int]:
        with _unique_is_conflict():
            return await self.hop(lambda conn: _changed(conn, statements, chained))

    async def fetch_each(self, queries: Sequence[tuple[str, Params]]) -> list[list[Row]]:
        with _unique_is_conflict():  # an INSERT … RETURNING
            return await self.hop(lambda conn: _fetched(conn, queries))

    async def run(self, unit: Unit[_T]) -> _T:
        context = contextvars.copy_context()
        with _unique_is_conflict():
            return await self.hop(lambda conn: context.run(_drive, unit, conn))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        with _unique_is_conflict():
            return await self.hop(lambda conn: _rows(conn, sql, params, one=True))

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        with _unique_is_conflict():
            rows: list[Row] = await self.hop(lambda conn: _rows(conn, sql, params, one=False))
        return rows

    async def end(self, *statements: str) -> None:
        """Run what is pending, then ``statements``, in one hop."""

        def run(conn: sqlite3.Connection) -> None:
            for statement in statements:
                conn.execute(statement)

        await self.hop(run)

    async def undo(self, opening: _Opening, *statements: str) -> None:
        """Undo a unit of work: drop its ``opening`` statement if it never ran (it ran
        nothing), else run ``statements`` (decided on the thread, after every hop queued
        before, so a hop cancelled on its way still counts)."""

        def run() -> None:
            if self.pending and self.pending[-1] is opening:  # only units append to it
                self.pending.pop()
            elif conn.in_transaction:  # not when the BEGIN itself failed
                for statement in statements:
                    conn.execute(statement)

        conn = self.db._conn
        await self.submit(run)

    async def chunks(
        self, sql: str, params: Params = (), size: int = 1000
    ) -> AsyncIterator[list[Row]]:
        if self.pending:
            await self.end()
        async with self.db.execute(sql, params) as cur:
            while batch := await cur.fetchmany(size):
                yield list(batch)

    async def lock(self, key: str) -> None:
        """Nothing to do: a SQLite write transaction already excludes every other writer."""


@dataclass
class _Queued:
    """A unit waiting for `_Sqlite.run`, with its caller's context and its outcome."""

    unit: Unit[Any]
    context: contextvars.Context
    outcome: asyncio.Future[Any]


def _in_savepoint(conn: sqlite3.Connection, queued: _Queued) -> tuple[bool, Any]:
    """Run a queued unit in a savepoint of its own (on the thread): (True, its outcome) or,
    its statements undone, (False, its error)."""
    conn.execute("SAVEPOINT run")
    try:
        with _unique_is_conflict():
            value = queued.context.run(_drive, queued.unit, conn)
    except Exception as exc:
        conn.execute("ROLLBACK TO run")
        conn.execute("RELEASE run")
        return False, exc
    conn.execute("RELEASE run")
    return True, value


def _each_in_savepoint(conn: sqlite3.Connection, taken: list[_Queued]) -> list[tuple[bool, Any]]:
    """Run the units taken together (on the thread): for each, (True, its outcome) or (False,
    its error)."""
    if len(taken) == 1:  # alone, its transaction is its savepoint: a failure undoes that
        with _unique_is_conflict():
            return [(True, taken[0].context.run(_drive, taken[0].unit, conn))]
    return [_in_savepoint(conn, queued) for queued in taken]


def _resolve(outcome: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if outcome.done():  # its caller gave up waiting
        return
    if ok:
        outcome.set_result(value)
    else:
        outcome.set_exception(value)


@dataclass
class _Batch:
    """Units of work sharing one SQLite transaction."""

    committed: asyncio.Future[None]
    members: int = 0
    on_loop: bool = False  # units ran on the loop's thread: so does the COMMIT (no hop)


class _Sqlite:
    dialect = "sqlite"

    def __init__(self, name: str, write: aiosqlite.Connection, read: aiosqlite.Connection) -> None:
        self.name = name
        # `:memory:` reads on the write connection: its writes stay on the thread
        self._write, self._read = _SqliteTx(write, local=read is not write), _SqliteTx(read)
        self._connections = [write] if read is write else [write, read]
        self._writing = asyncio.Lock()
        self._queued = 0  # units waiting for their turn to write
        self._batch: _Batch | None = None  # the transaction under way, shared by its units
        self._runs: list[_Queued] = []  # units of `run` waiting for the next hop
        self._running: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None  # a batch left open being committed

    @classmethod
    async def connect(cls, path: str) -> _Sqlite:
        check_sqlite_path(path)
        write = await cls._open(path, "journal_mode = WAL")
        try:
            read = write if path == ":memory:" else await cls._open(path)
        except DatabaseUnusable:
            await write.close()
            raise
        return cls(path, write, read)

    @staticmethod
    async def _open(path: str, *pragmas: str) -> aiosqlite.Connection:
        try:
            # the write connection's short units may run on the event loop's thread (`here`)
            db = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise DatabaseUnusable(f"{path}: cannot open the database ({exc})") from None
        db.row_factory = sqlite3.Row
        try:
            for pragma in (
                f"busy_timeout = {BUSY_TIMEOUT_MS}",
                *pragmas,
                "synchronous = FULL",
                "foreign_keys = ON",
            ):
                async with db.execute(f"PRAGMA {pragma}"):
                    pass
        except sqlite3.DatabaseError as exc:
            await db.close()
            raise DatabaseUnusable(f"{path}: not a cx-assess SQLite database ({exc})") from None
        return db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """Group commit: units run one at a time, and those that queued up while one ran
        share its ``COMMIT`` (one disk sync for a burst). Each unit after the first of a batch
        runs in a savepoint, so a failing one fails alone; none returns before its batch is
        committed. A unit's BEGIN or SAVEPOINT, and its RELEASE, run in the hop of the next
        statement (its own first, the next unit's first, or the COMMIT)."""
        self._queued += 1
        try:
            await self._writing.acquire()
        except BaseException:  # cancelled while it waited: it is not waiting any more
            self._queued -= 1
            self._commit_if_left_open()
            raise
        self._queued -= 1
        try:
            tx = self._write
            batch = self._batch
            first = batch is None
            opening = _Opening("BEGIN IMMEDIATE" if first else "SAVEPOINT unit")
            if batch is None:
                batch = self._batch = _Batch(asyncio.get_running_loop().create_future())
            tx.pending.append(opening)
            batch.members += 1
            try:
                yield tx
            except BaseException:
                if first:  # nothing else is in the batch yet
                    self._batch = None
                    batch.committed.cancel()
                    await tx.undo(opening, "ROLLBACK")
                else:
                    await tx.undo(opening, "ROLLBACK TO unit", "RELEASE unit")
                raise
            else:
                if not first:
                    tx.pending.append("RELEASE unit")
            finally:
                if self._batch is batch and (self._queued == 0 or batch.members >= BATCH_MAX):
                    await self._commit(batch)
        finally:
            self._writing.release()
        await asyncio.shield(batch.committed)

    async def write(self, sql: str, params: Params = ()) -> int:
        return (await self.run(executing([(sql, params)])))[0]

    async def run(self, unit: Unit[_T], lock: str | None = None) -> _T:
        """``lock`` needs nothing: a write transaction already excludes every other writer."""
        loop = asyncio.get_running_loop()
        queued = _Queued(unit, contextvars.copy_context(), loop.create_future())
        self._runs.append(queued)
        if self._running is None:
            self._running = loop.create_task(self._run_queued())
        value: _T = await queued.outcome  # cancelled: dropped unless it has begun
        return value

    async def _run_queued(self) -> None:
        """Run the queued units, as many as have come at each hop, in transactions (and group
        commits) of their own; a caller gone meanwhile does not stop the others."""
        try:
            while self._runs:
                taken: list[_Queued] = []
                try:
                    if self._idle() and len(self._runs) == 1:
                        taken = self._take()
                        ran = await self._alone(taken) if taken else []
                    else:
                        async with self.transaction():  # its statements run on self._write
                            taken = self._take()  # those still awaited, now it is their turn
                            ran = await self._write.here(
                                functools.partial(_each_in_savepoint, taken=taken)
                            )
                            assert self._batch is not None  # the one this block is in
                            self._batch.on_loop = True
                except Exception as exc:  # the transaction failed: every unit in it
                    for queued in taken:
                        _resolve(queued.outcome, False, exc)
                    continue
                except BaseException:  # cancelled (the loop is closing): so are the units
                    for queued in taken + self._runs:
                        queued.outcome.cancel()
                    self._runs = []
                    raise
                for queued, (ok, value) in zip(taken, ran, strict=True):
                    _resolve(queued.outcome, ok, value)
        finally:
            self._running = None

    def _take(self) -> list[_Queued]:
        """The queued units, but those whose caller gave up waiting (not begun, not run)."""
        taken = [queued for queued in self._runs if not queued.outcome.done()]
        self._runs = []
        return taken

    def _idle(self) -> bool:
        """No transaction under way or waiting."""
        return self._batch is None and self._queued == 0 and not self._writing.locked()

    async def _alone(self, taken: list[_Queued]) -> list[tuple[bool, Any]]:
        """A unit run in a transaction of its own, begun and committed in one hop (no other
        writer is about to share the commit, and the loop is not busy)."""
        async with self._writing:
            conn = self._write.db._conn

            def run() -> list[tuple[bool, Any]]:  # not what is pending: it begins its own
                conn.execute("BEGIN IMMEDIATE")
                try:
                    ran = _each_in_savepoint(conn, taken)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
                return ran

            return await self._write.submit(run)

    def _commit_if_left_open(self) -> None:
        """A batch its last unit left open for one that then stopped waiting, with nobody
        else to commit it, is committed (its units are waiting for that)."""
        if self._queued == 0 and self._batch is not None and not self._writing.locked():
            self._closing = asyncio.get_running_loop().create_task(self._commit_left_open())

    async def _commit_left_open(self) -> None:
        async with self._writing:
            if self._batch is not None:
                await self._commit(self._batch)

    async def _commit(self, batch: _Batch) -> None:
        self._batch = None
        try:
            await self._end(batch, "COMMIT")
        except BaseException as exc:
            try:
                with contextlib.suppress(sqlite3.Error):
                    await self._end(batch, "ROLLBACK")
            finally:
                batch.committed.set_exception(exc)
        else:
            batch.committed.set_result(None)

    async def _end(self, batch: _Batch, statement: str) -> None:
        """COMMIT or ROLLBACK a batch: on the loop when its units ran there and nothing is
        left on the thread (a disk sync, but no hop waiting for the GIL), else in a hop."""
        if batch.on_loop and self._write.free():
            self._write.now(lambda conn: conn.execute(statement))
        else:
            await self._write.end(statement)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Tx]:
        yield self._read

    @property
    def hops(self) -> int:
        """Calls so far from the event loop to the connections' threads; tests count them."""
        return self._write.hops + self._read.hops

    async def trace(self, callback: Callable[[str], None] | None) -> None:
        """Call ``callback`` with every statement either connection runs (None: stop); tests and
        benchmarks count statements and commits with it."""
        async with self._writing:  # not while a batch runs on the loop's thread
            for db in self._connections:
                await db.set_trace_callback(callback)  # type: ignore[arg-type]  # None: stop

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Tx]:
        """A read transaction: in WAL mode it sees the database as it was when it began."""
        await self._read.execute("BEGIN")
        try:
            yield self._read
        finally:
            await self._read.execute("COMMIT")

    async def upgrade(self, migrations: Sequence[str]) -> None:
        try:
            row = await self._write.fetchone("PRAGMA user_version")
            version = int(row[0]) if row else 0
            _refuse_newer(self.name, version, migrations)
            for number, script in enumerate(migrations[version:], start=version + 1):
                async with self._writing:
                    await self._write.db.executescript(
                        f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
                    )
        except sqlite3.DatabaseError as exc:
            raise DatabaseUnusable(
                f"{self.name}: not a cx-assess SQLite database ({exc})"
            ) from None

    async def close(self) -> None:
        """Close the connections once no batch is running on the loop's thread; whatever
        comes later hops, behind the close (and fails, as on a closed database)."""
        self._write.local = False
        async with self._writing:
            for db in self._connections:
                await db.close()


def _refuse_newer(name: str, version: int, migrations: Sequence[str]) -> None:
    if version > len(migrations):
        raise DatabaseUnusable(
            f"{name}: written by a newer cx-assess (schema version {version}; this one knows"
            f" up to {len(migrations)}): upgrade cx-assess or use another database"
        )


def check_sqlite_path(path: str) -> None:
    """Refuse, with the reason, a path SQLite would fail on obscurely (``:memory:`` is fine)."""
    if path == ":memory:":
        return
    where = Path(path)
    if where.is_dir():
        raise DatabaseUnusable(f"{path} is a folder: CX_ASSESS_DB must name a database file")
    if not where.parent.is_dir():
        raise DatabaseUnusable(f"{path}: the folder {where.parent} does not exist")


# ---------------------------------------------------------------------- PostgreSQL

_PLACEHOLDER = re.compile(r"\?")


def to_numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, …`` (the SQL here has no ``?`` in literals)."""
    count = 0

    def number(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql)


@contextlib.contextmanager
def _unique_violation_is_conflict() -> Iterator[None]:
    import asyncpg

    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(str(exc)) from exc


class _PostgresTx:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    async def execute(self, sql: str, params: Params = ()) -> int:
        with _unique_violation_is_conflict():
            status: str = await self._conn.execute(_numbered(sql), *params)
        count = status.rpartition(" ")[2]
        return int(count) if count.isdigit() else 0

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        batch = [tuple(row) for row in rows]
        if batch:
            await self._conn.executemany(_numbered(sql), batch)

    async def execute_each(
        self, statements: Sequence[tuple[str, Params]], *, chained: bool = False
    ) -> list[int]:
        changed: list[int] = []
        for sql, params in statements:
            changed.append(await self.execute(sql, params))
            if chained and not changed[-1]:
                break
        return changed

    async def fetch_each(self, queries: Sequence[tuple[str, Params]]) -> list[list[Row]]:
        return [await self.fetchall(sql, params) for sql, params in queries]

    async def run(self, unit: Unit[_T]) -> _T:
        request, outcome = _advance(unit, None)
        while request is not None:
            result: list[Any]
            if isinstance(request, Fetch):
                result = await self.fetch_each(request.queries)
            else:
                result = await self.execute_each(request.statements, chained=request.chained)
            request, outcome = _advance(unit, result)
        return outcome  # type: ignore[no-any-return]

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        with _unique_violation_is_conflict():  # an INSERT … RETURNING
            return await self._conn.fetchrow(_numbered(sql), *params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        with _unique_violation_is_conflict():
            return list(await self._conn.fetch(_numbered(sql), *params))

    async def chunks(
        self, sql: str, params: Params = (), size: int = 1000
    ) -> AsyncIterator[list[Row]]:
        cursor = await self._conn.cursor(_numbered(sql), *params)
        while batch := await cursor.fetch(size):
            yield batch

    async def lock(self, key: str) -> None:
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)


_NUMBERED: dict[str, str] = {}


def _numbered(sql: str) -> str:
    found = _NUMBERED.get(sql)
    if found is None:
        found = _NUMBERED[sql] = to_numbered(sql)
    return found


async def _kept(conn: Any) -> None:
    """A connection goes back to the pool as it is, unless a cancelled task left a transaction
    open (asyncpg's default reset costs a round trip on every release)."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


class _Postgres:
    dialect = "postgresql"

    def __init__(self, name: str, pool: Any) -> None:
        self.name = name
        self._pool = pool

    @classmethod
    async def connect(cls, url: str) -> _Postgres:
        import asyncpg

        name = shown(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=POOL_SIZE,
                timeout=CONNECT_TIMEOUT_S,
                statement_cache_size=STATEMENT_CACHE,
                reset=_kept,  # every lock the app takes ends with its transaction
            )
        except (TimeoutError, OSError, asyncpg.PostgresError, ValueError) as exc:
            reason = str(exc) or type(exc).__name__
            raise DatabaseUnusable(f"{name}: cannot connect to PostgreSQL ({reason})") from None
        return cls(name, pool)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        async with self._pool.acquire() as conn, conn.transaction():
            yield _PostgresTx(conn)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Tx]:
        async with self._pool.acquire() as conn:
            yield _PostgresTx(conn)

    async def write(self, sql: str, params: Params = ()) -> int:
        async with self._pool.acquire() as conn:
            return await _PostgresTx(conn).execute(sql, params)

    async def run(self, unit: Unit[_T], lock: str | None = None) -> _T:
        async with self.transaction() as tx:
            if lock is not None:
                await tx.lock(lock)
            return await tx.run(unit)

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Tx]:
        async with (
            self._pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield _PostgresTx(conn)

    async def upgrade(self, migrations: Sequence[str]) -> None:
        """Under an advisory lock: instances started at once on a new database migrate it once."""
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS cx_assess_schema (version INTEGER PRIMARY KEY)"
                )
                version = await conn.fetchval("SELECT max(version) FROM cx_assess_schema") or 0
                _refuse_newer(self.name, version, migrations)
                for number, script in enumerate(migrations[version:], start=version + 1):
                    async with conn.transaction():
                        await conn.execute(script)
                        await conn.execute(
                            "INSERT INTO cx_assess_schema (version) VALUES ($1)", number
                        )
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)

    async def close(self) -> None:
        await self._pool.close()
