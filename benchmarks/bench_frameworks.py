"""How long loading every bundled framework takes (target: well under 100 ms)."""

from __future__ import annotations

import statistics
import time

from bot.frameworks import load_catalog

RUNS = 20
TARGET_MS = 100.0


def main() -> None:
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        catalog = load_catalog()
        timings.append((time.perf_counter() - start) * 1000)
    best, median = min(timings), statistics.median(timings)
    verdict = "PASS" if median < TARGET_MS else "MISS"
    print(
        f"frameworks: load {len(catalog)} bundled frameworks: best {best:.1f} ms, "
        f"median {median:.1f} ms (target < {TARGET_MS:.0f} ms) {verdict}"
    )
