"""Peak memory of the cx-assess server holding 1,000 open dialogues.

The real server (``cx-assess serve --http``, a child process) gets a signed ``/cx-assess start
cx-maturity`` in a channel of 1,000 people (the fake Slack, another child process, without rate
limits); then every participant presses *Start* and answers the first card (today, then the
target) with the real buttons of their DM, in waves (everyone's first answer, then everyone's
second), so that each holds the second card open.

Measured (Linux): the server's resident set size from ``/proc/PID/status`` once it is healthy
(baseline) and once the 1,000 dialogues are open and idle, and its peak RSS over its whole life
(fan-out included) as ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, written by the server
process itself when it exits (see `benchmarks._slackbench`). The target is a peak under 150 MB.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._slackbench import (
    LEAD,
    BenchError,
    FakeSlackProcess,
    Prompt,
    Server,
    SignedClient,
    answers_in_db,
    click,
    command,
    rss_kib,
    wait_for,
    wait_recorded,
)

PARTICIPANTS = 1000
ROWS = ("current", "target")  # the first card's answers, one wave each (~10 s per 1,000 clicks)
CONCURRENCY = 32  # requests in flight
SEED = 20240611
TARGET_MB = 150.0


def user_id(i: int) -> str:
    return f"U{i:05d}"


async def wave(
    client: SignedClient,
    prompts: dict[str, Prompt],
    choose: Callable[[Prompt], tuple[str, str]],
    site: str,
) -> None:
    """One click per participant, at most `CONCURRENCY` at a time."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(user: str, prompt: Prompt) -> None:
        action_id, value = choose(prompt)
        async with gate:
            status, _ = await client.send(click(user, action_id, value, prompt.ts, site))
        if status != 200:
            raise BenchError(f"{action_id} from {user} answered HTTP {status}")

    await asyncio.gather(*(one(u, p) for u, p in prompts.items()))


async def run(tmp: Path) -> None:
    rng = random.Random(SEED)
    users = [user_id(i) for i in range(PARTICIPANTS)]
    async with FakeSlackProcess(tmp) as fake:
        await fake.setup([LEAD, *users], {"C0001": users})
        async with Server("cx", tmp, fake.api_url) as server:
            baseline, _ = rss_kib(server.pid)
            client = SignedClient(server.url, connections=CONCURRENCY)
            started = time.perf_counter()
            try:
                status, _ = await client.send(command("start cx-maturity", fake.response_url))
                if status != 200:
                    raise BenchError(f"/cx-assess start answered HTTP {status}")
                prompts = await wait_for(
                    users,
                    fake,
                    lambda u, p: p.button("cx_start") is not None,
                    "an invitation",
                    timeout=90.0,
                )
                round_id = int(prompts[users[0]].buttons[0][1].split("|")[0])
                fanned_out = time.perf_counter() - started

                def start(prompt: Prompt) -> tuple[str, str]:
                    found = prompt.button("cx_start")
                    assert found is not None
                    return found

                def level(ask: str) -> Callable[[Prompt], tuple[str, str]]:
                    def choose(prompt: Prompt) -> tuple[str, str]:
                        row = [(a, v) for a, v in prompt.levels() if v.split("|")[2] == ask]
                        return row[rng.randrange(len(row))]

                    return choose

                seen: dict[str, str] = {}
                for step in range(len(ROWS) + 1):
                    choose = level(ROWS[step - 1]) if step else start
                    await wave(client, prompts, choose, fake.site)
                    if 0 < step < len(ROWS):
                        continue  # the same card, updated: its next row is already there
                    seen.update({u: p.ts for u, p in prompts.items()})
                    prompts = await wait_for(
                        users,
                        fake,
                        lambda u, p: p.is_question and p.ts != seen[u],
                        "its next card",
                        timeout=90.0,
                    )
                await wait_recorded(
                    server.database, round_id, {u: p.ts for u, p in prompts.items()}
                )
                took = time.perf_counter() - started
                await asyncio.sleep(1.0)
                idle, peak_now = rss_kib(server.pid)
            finally:
                await client.close()
        peak = server.peak_rss_kib() or peak_now
    _, positions = await answers_in_db(server.database, round_id)
    open_dialogues = sum(1 for n in positions.values() if n == 1)
    print(
        f"memory: {open_dialogues}/{PARTICIPANTS} dialogues open at card 2"
        f" (fan-out {fanned_out:.1f} s, Start + {len(ROWS)} answers each, {took:.1f} s in all)"
    )
    print(
        f"memory: server RSS baseline {baseline / 1024:.1f} MB, with {PARTICIPANTS} open"
        f" dialogues {idle / 1024:.1f} MB ({(idle - baseline) / PARTICIPANTS:.1f} KB each)"
    )
    ok = peak / 1024 < TARGET_MB and open_dialogues == PARTICIPANTS
    print(
        f"memory: server peak RSS (ru_maxrss) {peak / 1024:.1f} MB (target < {TARGET_MB:.0f} MB)"
        f" {'PASS' if ok else 'MISS'}"
    )


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cx-bench-memory-"))
    try:
        asyncio.run(run(tmp))
    except BenchError as exc:
        print(f"memory: MISS: the benchmark could not run: {exc}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
