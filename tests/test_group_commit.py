"""SQLite group commit: concurrent units of work share commits, and each fails alone."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Coroutine
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import pytest

from bot.storage import Store
from bot.storage.engines import BUSY_TIMEOUT_MS, Conflict, Execute, Fetch, Unit


class Boom(Exception):
    pass


async def test_a_burst_of_writes_shares_commits_and_every_write_is_kept(tmp_path: Path) -> None:
    async with Store.open(str(tmp_path / "cx.db")) as store:
        commits: list[str] = []
        await store.engine.trace(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
        kept = await asyncio.gather(*(store.first_time(f"event:{n}", {"n": n}) for n in range(100)))
        await store.engine.trace(None)
        assert all(kept)
        assert len(commits) < 20  # 100 without group commit
        assert len(await store.undone_requests()) == 100
    async with Store.open(str(tmp_path / "cx.db")) as store:  # and they are on disk
        assert len(await store.undone_requests()) == 100


async def test_a_failing_unit_in_a_batch_takes_only_its_own_writes_with_it(
    tmp_path: Path,
) -> None:
    async with Store.open(str(tmp_path / "cx.db")) as store:

        async def failing(n: int) -> None:
            async with store.engine.transaction() as tx:
                await tx.execute(
                    "INSERT INTO seen_requests (key, seen_at, payload, done) VALUES (?, ?, ?, 0)",
                    (f"bad:{n}", "2026-11-30T00:00:00+00:00", "{}"),
                )
                raise Boom

        async def kept(n: int) -> bool:
            return await store.first_time(f"good:{n}", {"n": n})

        results = await asyncio.gather(
            *(failing(n) if n % 3 == 0 else kept(n) for n in range(30)), return_exceptions=True
        )
        assert all(isinstance(r, Boom) for r in results[::3])
        keys = {key for key, _ in await store.undone_requests()}
        assert keys == {f"good:{n}" for n in range(30) if n % 3}


@pytest.mark.parametrize("first_fails", [True, False])
async def test_the_store_stays_usable_after_a_failed_unit(
    tmp_path: Path, first_fails: bool
) -> None:
    async with Store.open(str(tmp_path / "cx.db")) as store:
        if not first_fails:
            await store.first_time("before", {})
        with pytest.raises(Boom):
            async with store.engine.transaction():
                raise Boom
        assert await store.first_time("after", {})
        assert {k for k, _ in await store.undone_requests()} >= {"after"}


async def test_units_that_run_no_statement_leave_the_batch_committing_the_others(
    tmp_path: Path,
) -> None:
    """A unit's BEGIN or SAVEPOINT rides on its first statement: a unit with none still opens
    and closes its part of the batch."""
    async with Store.open(str(tmp_path / "cx.db")) as store:

        async def idle() -> None:
            async with store.engine.transaction():
                pass

        async def failing_idle() -> None:
            async with store.engine.transaction():
                raise Boom

        def unit(n: int) -> Coroutine[Any, Any, object]:
            return (idle, failing_idle, lambda: store.first_time(f"k:{n}", {"n": n}))[n % 3]()

        work = [unit(n) for n in range(30)]
        results = await asyncio.gather(*work, return_exceptions=True)
        assert sum(isinstance(r, Boom) for r in results) == 10
        assert len(await store.undone_requests()) == 10
        await idle()  # alone: nothing to commit, and nothing left open
        assert await store.first_time("after", {})


async def test_chained_statements_stop_after_one_that_changed_nothing(db_url: str) -> None:
    async with Store.open(db_url) as store:
        insert = "INSERT INTO seen_requests (key, seen_at, payload, done) VALUES (?, ?, ?, 0)"
        when = "2026-11-30T00:00:00+00:00"
        async with store.engine.transaction() as tx:
            changed = await tx.execute_each(
                [
                    ("UPDATE seen_requests SET done = 1 WHERE key = ?", ("absent",)),
                    (insert, ("skipped", when, "{}")),
                ],
                chained=True,
            )
            assert changed == [0]
            assert await tx.execute_each(
                [(insert, ("one", when, "{}")), (insert, ("two", when, "{}"))]
            ) == [1, 1]
            [keys, none] = await tx.fetch_each(
                [
                    ("SELECT key FROM seen_requests ORDER BY key", ()),
                    ("SELECT key FROM seen_requests WHERE key = ?", ("skipped",)),
                ]
            )
        assert [row["key"] for row in keys] == ["one", "two"] and none == []


async def test_a_unit_cancelled_while_it_waits_does_not_hold_back_the_commit(
    tmp_path: Path,
) -> None:
    async with Store.open(str(tmp_path / "cx.db")) as store:
        holding, release = asyncio.Event(), asyncio.Event()

        async def slow() -> None:
            async with store.engine.transaction() as tx:
                await tx.execute(
                    "INSERT INTO seen_requests (key, seen_at, payload, done) VALUES (?, ?, ?, 0)",
                    ("slow", "2026-11-30T00:00:00+00:00", "{}"),
                )
                holding.set()
                await release.wait()

        async def later() -> None:
            async with store.engine.transaction() as tx:
                await tx.execute(
                    "INSERT INTO seen_requests (key, seen_at, payload, done) VALUES (?, ?, ?, 0)",
                    ("cancelled", "2026-11-30T00:00:00+00:00", "{}"),
                )

        first = asyncio.create_task(slow())
        await holding.wait()
        waiting = asyncio.create_task(later())
        await asyncio.sleep(0.01)  # it waits for its turn
        waiting.cancel()
        release.set()
        await asyncio.wait_for(first, 5)  # committed: nobody else is waiting
        assert {k for k, _ in await store.undone_requests()} == {"slow"}


# Units of work written as generators (`Engine.run`): what the answer path's turn is made of.

_INSERT = "INSERT INTO seen_requests (key, seen_at, payload, done) VALUES (?, ?, ?, 0)"
_WHEN = "2026-11-30T00:00:00+00:00"
_SEEN = ContextVar("seen", default="none")


def keep(key: str, fail: bool = False) -> Unit[tuple[int, str]]:
    """Insert ``key`` and read it back; fail after its insert when ``fail``. Its outcome: the
    rows it inserted and found, and the context variable it saw."""
    (changed,) = yield Execute([(_INSERT, (key, _WHEN, "{}"))])
    (rows,) = yield Fetch([("SELECT key FROM seen_requests WHERE key = ?", (key,))])
    if fail:
        raise Boom(key)
    return changed + len(rows), _SEEN.get()


def returning(key: str) -> Unit[list[Any]]:
    (rows,) = yield Fetch([(_INSERT + " RETURNING key", (key, _WHEN, "{}"))])
    return rows


async def stored_keys(store: Store) -> set[str]:
    return {key for key, _ in await store.undone_requests()}


async def test_units_run_by_the_engine_return_their_outcome_and_fail_alone(db_url: str) -> None:
    async with Store.open(db_url) as store:

        async def run(n: int) -> tuple[int, str]:
            _SEEN.set(f"caller {n}")  # the unit sees its caller's context, on any thread
            return await store.engine.run(keep(f"k:{n}", fail=n % 4 == 0), lock=f"k:{n}")

        results = await asyncio.gather(*(run(n) for n in range(40)), return_exceptions=True)
        for n, result in enumerate(results):
            assert isinstance(result, Boom) if n % 4 == 0 else result == (2, f"caller {n}")
        assert await stored_keys(store) == {f"k:{n}" for n in range(40) if n % 4}
        with pytest.raises(Conflict):  # a broken rule is the engine's Conflict on both
            await store.engine.run(keep("k:1"))
        with pytest.raises(Conflict):  # in a query as well (an INSERT … RETURNING)
            await store.engine.run(returning("k:1"))
        with pytest.raises(Boom):  # alone, it fails as well, and leaves nothing behind
            await store.engine.run(keep("alone", fail=True))
        assert "alone" not in await stored_keys(store)
        assert await store.engine.run(keep("after")) == (2, "none")


async def test_units_that_arrive_together_share_hops_and_commits(tmp_path: Path) -> None:
    async with Store.open(str(tmp_path / "cx.db")) as store:
        commits: list[str] = []
        await store.engine.trace(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
        hops = store.engine.hops
        await asyncio.gather(*(store.engine.run(keep(f"k:{n}")) for n in range(100)))
        await store.engine.trace(None)
        assert store.engine.hops - hops < 20  # 200 one unit at a time: a hop and a commit
        assert len(commits) < 10
    async with Store.open(str(tmp_path / "cx.db")) as store:  # and they are on disk
        assert len(await stored_keys(store)) == 100


async def holding_a_transaction(store: Store) -> tuple[asyncio.Task[None], asyncio.Event]:
    """A transaction kept open until the returned event is set (units queue behind it)."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with store.engine.transaction() as tx:
            await tx.execute(_INSERT, ("held", _WHEN, "{}"))
            holding.set()
            await release.wait()

    task = asyncio.create_task(hold())
    await holding.wait()
    return task, release


async def test_units_queued_behind_a_transaction_join_its_batch_and_fail_alone(
    tmp_path: Path,
) -> None:
    async with Store.open(str(tmp_path / "cx.db")) as store:
        held, release = await holding_a_transaction(store)
        runs = [
            asyncio.create_task(store.engine.run(keep(f"k:{n}", fail=n % 3 == 0))) for n in range(9)
        ]
        await asyncio.sleep(0.01)  # queued behind the open transaction
        release.set()
        done = await asyncio.gather(held, *runs, return_exceptions=True)
        assert [isinstance(r, Boom) for r in done[1:]] == [n % 3 == 0 for n in range(9)]
        assert await stored_keys(store) == {"held"} | {f"k:{n}" for n in range(9) if n % 3}


def breaks_a_deferred_rule(key: str) -> Unit[None]:
    """Insert ``key``, then an answer of a round that does not exist, its check deferred to
    the COMMIT."""
    yield Execute(
        [
            ("PRAGMA defer_foreign_keys = ON", ()),
            (_INSERT, (key, _WHEN, "{}")),
            (
                "INSERT INTO answers (round_id, user_id, area_id, updated_at)"
                " VALUES (999, 'U1', 'a', ?)",
                (_WHEN,),
            ),
        ]
    )


@pytest.mark.parametrize("joined", [False, True])
async def test_a_failing_commit_fails_every_unit_in_it(tmp_path: Path, joined: bool) -> None:
    async with Store.open(str(tmp_path / "cx.db")) as store:
        work = [breaks_a_deferred_rule("bad"), keep("good")]
        if joined:  # behind an open transaction: the two join its batch
            held, release = await holding_a_transaction(store)
            runs = [asyncio.create_task(store.engine.run(unit)) for unit in work]
            await asyncio.sleep(0.01)
            release.set()
            done = await asyncio.gather(held, *runs, return_exceptions=True)
        else:  # taken together in one hop of their own
            done = await asyncio.gather(*map(store.engine.run, work), return_exceptions=True)
        assert all(isinstance(r, sqlite3.IntegrityError) for r in done[-2:]), done
        assert await stored_keys(store) == set()  # the held one was in the same commit
        assert await store.engine.run(keep("after")) == (2, "none")


async def test_a_unit_whose_caller_gave_up_before_it_began_does_not_run(
    tmp_path: Path,
) -> None:
    async with Store.open(str(tmp_path / "cx.db")) as store:
        held, release = await holding_a_transaction(store)
        runs = [asyncio.create_task(store.engine.run(keep(f"k:{n}"))) for n in range(5)]
        await asyncio.sleep(0.01)  # queued: none has begun
        runs[2].cancel()
        release.set()
        done = await asyncio.gather(held, *runs, return_exceptions=True)
        assert isinstance(done[3], asyncio.CancelledError)
        assert all(result == (2, "none") for n, result in enumerate(done[1:]) if n != 2)
        assert await stored_keys(store) == {"held"} | {f"k:{n}" for n in range(5) if n != 2}


def waits_on_the_thread(key: str, begun: threading.Event, go_on: threading.Event) -> Unit[int]:
    """Insert ``key``, then wait (on the database thread) until ``go_on`` is set."""
    (changed,) = yield Execute([(_INSERT, (key, _WHEN, "{}"))])
    begun.set()
    go_on.wait(5)
    return changed


async def test_a_unit_whose_caller_gave_up_after_it_began_ends_and_commits(
    tmp_path: Path,
) -> None:
    async with Store.open(str(tmp_path / "cx.db")) as store:
        begun, go_on = threading.Event(), threading.Event()
        first = asyncio.create_task(store.engine.run(waits_on_the_thread("begun", begun, go_on)))
        assert await asyncio.to_thread(begun.wait, 5)
        others = [asyncio.create_task(store.engine.run(keep(f"k:{n}"))) for n in range(3)]
        await asyncio.sleep(0.01)
        first.cancel()
        go_on.set()
        done = await asyncio.gather(first, *others, return_exceptions=True)
        assert isinstance(done[0], asyncio.CancelledError)
        assert done[1:] == [(2, "none")] * 3
        assert await stored_keys(store) == {"begun", "k:0", "k:1", "k:2"}


async def test_a_batch_is_committed_when_the_unit_it_waited_for_is_cancelled_at_its_turn(
    tmp_path: Path,
) -> None:
    """A unit leaves its batch open for the one queued behind it; that one is cancelled just as
    the lock is handed to it: the batch is committed all the same, and its unit returns."""
    async with Store.open(str(tmp_path / "cx.db")) as store:
        go_on = asyncio.Event()

        async def first() -> None:
            async with store.engine.transaction() as tx:
                await tx.execute(_INSERT, ("first", _WHEN, "{}"))
                await go_on.wait()

        async def second() -> None:
            async with store.engine.transaction() as tx:
                await tx.execute(_INSERT, ("second", _WHEN, "{}"))

        holder = asyncio.create_task(first())
        await asyncio.sleep(0.01)
        waiter = asyncio.create_task(second())
        await asyncio.sleep(0.01)  # queued behind the first
        go_on.set()
        await asyncio.sleep(0)  # the first ends its unit, leaves the batch open, hands the lock
        waiter.cancel()
        await asyncio.wait_for(holder, 5)
        assert waiter.cancelled()
        assert await stored_keys(store) == {"first"}


async def test_units_waiting_for_another_process_s_write_lock_leave_the_loop_free(
    tmp_path: Path,
) -> None:
    """Units taken together run on the event loop's thread, but their BEGIN (which waits for
    another process's write, up to the busy timeout) does not: the loop goes on meanwhile."""
    path = tmp_path / "cx.db"
    async with Store.open(str(path)) as store:
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # say, `cx-assess data` writing at that moment
        runs = [asyncio.create_task(store.engine.run(keep(f"k:{n}"))) for n in range(3)]
        loop = asyncio.get_running_loop()
        started = loop.time()
        for _ in range(20):  # 0.2 s of the loop's own work while they wait
            await asyncio.sleep(0.01)
        assert loop.time() - started < BUSY_TIMEOUT_MS / 1000 / 2  # not held up for the wait
        assert not any(run.done() for run in runs)
        other.execute("COMMIT")
        other.close()
        assert await asyncio.gather(*runs) == [(2, "none")] * 3
        assert await stored_keys(store) == {"k:0", "k:1", "k:2"}


async def test_units_wait_for_work_a_cancelled_writer_left_on_the_database_thread(
    tmp_path: Path,
) -> None:
    """A writer cancelled twice (its undo given up as well) leaves statements queued on the
    database thread: units that come next run after them, not beside them on the loop."""
    async with Store.open(str(tmp_path / "cx.db")) as store:
        begun, go_on = threading.Event(), threading.Event()

        async def writer() -> None:
            async with store.engine.transaction() as tx:
                await tx.run(waits_on_the_thread("left", begun, go_on))

        task = asyncio.create_task(writer())
        assert await asyncio.to_thread(begun.wait, 5)
        task.cancel()  # its unit goes on on the thread; its undo is queued behind it …
        await asyncio.sleep(0.01)
        task.cancel()  # … and given up too
        with pytest.raises(asyncio.CancelledError):
            await task
        runs = [asyncio.create_task(store.engine.run(keep(f"k:{n}"))) for n in range(3)]
        await asyncio.sleep(0.05)
        go_on.set()
        assert await asyncio.gather(*runs) == [(2, "none")] * 3
        assert await stored_keys(store) == {"k:0", "k:1", "k:2"}  # the writer's was undone
