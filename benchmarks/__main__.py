"""Run every ``benchmarks/bench_*.py`` module's ``main()`` in name order, or only those named.

``python -m benchmarks`` runs them all; ``python -m benchmarks analysis`` runs
``bench_analysis.py`` alone. The benchmarks that store (``ack``, ``close``, ``fanout``) run on
SQLite and on PostgreSQL; ``--engine sqlite`` or ``--engine postgresql`` keeps one (it sets
``$BENCH_ENGINES``, which running a module directly also reads).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

from benchmarks._databases import ENGINES

PREFIX = "bench_"


def available() -> list[str]:
    """The benchmark names (module names without the ``bench_`` prefix), sorted."""
    here = Path(__file__).resolve().parent
    return sorted(path.stem.removeprefix(PREFIX) for path in here.glob(f"{PREFIX}*.py"))


def main(argv: list[str]) -> int:
    names = available()
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {', '.join(names)}")
    parser.add_argument("--engine", action="append", choices=ENGINES, help="repeatable")
    args = parser.parse_args(argv)
    if args.engine:
        os.environ["BENCH_ENGINES"] = ",".join(args.engine)
    wanted = [arg.removeprefix(PREFIX).removesuffix(".py") for arg in args.names] or names
    unknown = [name for name in wanted if name not in names]
    if unknown:
        print(
            f"unknown benchmark: {', '.join(unknown)} (available: {', '.join(names)})",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    print(f"benchmarks: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    for name in wanted:
        importlib.import_module(f"{__package__ or 'benchmarks'}.{PREFIX}{name}").main()
    print(
        f"benchmarks: {time.perf_counter() - started:.0f} s in all, load average"
        f" {os.getloadavg()[0]:.2f} at the end"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
