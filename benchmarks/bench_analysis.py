"""Time `bot.analysis.analyse` on 10,000 participants x 12 areas of cx-maturity answers."""

from __future__ import annotations

import random
import statistics
import time

from bot.analysis import analyse
from bot.answers import AreaAnswer, Mark, Reply
from bot.frameworks import Framework, load_catalog

PARTICIPANTS = 10_000
RUNS = 7
TARGET_MS = 200.0
SEED = 20240611


def build_answers(
    framework: Framework, participants: int, seed: int = SEED
) -> dict[str, dict[str, AreaAnswer]]:
    """Random but plausible answers: mostly levels, some not sure / skipped, a few gaps."""
    rng = random.Random(seed)
    values = framework.scale.values
    replies: list[Reply] = [*values, Mark.NOT_SURE, Mark.SKIPPED]
    weights = [*([20] * len(values)), 3, 2]
    answers: dict[str, dict[str, AreaAnswer]] = {}
    for p in range(participants):
        per_area: dict[str, AreaAnswer] = {}
        for area in framework.areas:
            if rng.random() < 0.03:  # never reached this area
                continue
            current = rng.choices(replies, weights)[0]
            base = current if isinstance(current, int) else values[0]
            target = rng.choice([v for v in values if v >= base])
            importance = rng.choice((1, 2, 3)) if framework.ask_importance else None
            comment = f"comment {rng.randrange(1000)}" if rng.random() < 0.05 else None
            per_area[area.id] = AreaAnswer(current, target, importance, comment)
        answers[f"participant-{p}"] = per_area
    return answers


def main() -> None:
    framework = load_catalog().get("cx-maturity")
    answers = build_answers(framework, PARTICIPANTS)
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        analyse(framework, answers, invited=PARTICIPANTS)
        timings.append((time.perf_counter() - start) * 1000)
    print(
        f"analysis: {PARTICIPANTS} participants x {len(framework.areas)} areas: "
        f"best {min(timings):.1f} ms, median {statistics.median(timings):.1f} ms "
        f"(target < {TARGET_MS:.0f} ms)"
    )


if __name__ == "__main__":
    main()
