"""SQLite units of work while the event loop is busy, as in a burst of answers.

200 answer-sized units (`Engine.run`: an insert, four reads, an update) are submitted at once
while four coroutines keep the event loop busy with Python in 0.5 ms slices, the way Bolt's
request handling and the sending after each acknowledgement keep it busy in a burst. Printed:
the time until every unit is committed, min / median / max over `ROUNDS` rounds.

The figure shows what hops to the connection's thread cost while the loop is busy. The
sqlite3 module gives up the GIL at every statement, and the thread must win it back; the loop
gives it up and takes it again at every turn (its ``select``), and CPython's GIL forces a
switch for a waiting thread only after a switch interval with no hand-over at all, so the
thread can wait for seconds. Units run on the connection's thread did not finish 8 rounds in
200 s here; those taken together now run on the loop's thread, BEGIN to COMMIT
(`bot.storage.engines`).
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bot.storage import Store
from bot.storage.engines import Execute, Fetch, Unit

UNITS = 200
ROUNDS = 6
BURNERS = 4
SLICE_S = 0.0005
_INSERT = "INSERT INTO seen_requests (key, seen_at, payload, done) VALUES (?, ?, '{}', 0)"
_WHEN = "2026-11-30T00:00:00+00:00"


def answer_sized(key: str) -> Unit[int]:
    """About an answer's turn: an insert, four reads, an update."""
    (inserted,) = yield Execute([(_INSERT, (key, _WHEN))])
    for _ in range(4):
        yield Fetch([("SELECT key, done FROM seen_requests WHERE key = ?", (key,))])
    yield Execute([("UPDATE seen_requests SET done = 1 WHERE key = ?", (key,))])
    return inserted


async def busy(stop: asyncio.Event) -> None:
    """Python in `SLICE_S` slices, a turn of the loop between them, until ``stop``."""
    while not stop.is_set():
        began = time.perf_counter()
        while time.perf_counter() - began < SLICE_S:
            pass
        await asyncio.sleep(0)


async def rounds(path: Path) -> list[float]:
    """Seconds until all `UNITS` units of a round are committed, per round."""
    spans: list[float] = []
    async with Store.open(str(path)) as store:
        for number in range(ROUNDS):
            stop = asyncio.Event()
            burners = [asyncio.create_task(busy(stop)) for _ in range(BURNERS)]
            began = time.perf_counter()
            units = (store.engine.run(answer_sized(f"r{number}:{n}")) for n in range(UNITS))
            inserted = await asyncio.gather(*units)
            spans.append(time.perf_counter() - began)
            stop.set()
            await asyncio.gather(*burners)
            if inserted != [1] * UNITS:
                raise AssertionError(f"round {number}: not every unit inserted its row")
    return spans


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cx-bench-units-"))
    try:
        spans = asyncio.run(rounds(tmp / "cx.db"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ms = sorted(span * 1000 for span in spans)
    print(
        f"units: {UNITS} answer-sized units at once on SQLite, the loop kept busy by {BURNERS}"
        f" coroutines: all committed in {ms[0]:.0f} / {statistics.median(ms):.0f} /"
        f" {ms[-1]:.0f} ms (min / median / max of {ROUNDS} rounds)"
    )


if __name__ == "__main__":
    main()
