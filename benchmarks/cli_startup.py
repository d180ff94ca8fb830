"""How long `golive` takes to answer when it has nothing to launch: `golive --help` and a usage
error, side by side with a bare `python -c pass` (the interpreter's own floor).

Each command runs N times one after the other (after one untimed warm-up run, so the operating
system's file cache is warm for all three); the script prints the median and the fastest run of
each, and the ratio of golive's median to the interpreter's. Nothing is asserted: timings depend
on the machine (tests/benchmarks only checks that it runs and prints its ratio line).

    .venv/bin/python benchmarks/cli_startup.py            # 20 runs each
    .venv/bin/python benchmarks/cli_startup.py --quick    # 3 runs each
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "golive --help": [sys.executable, "-m", "golive.cli", "--help"],
    "golive run bogus": [sys.executable, "-m", "golive.cli", "run", "bogus"],
}


def timed(argv: list[str]) -> float:
    """Wall seconds of one run of argv, its output discarded."""
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="runs of each command")
    parser.add_argument("--quick", action="store_true", help="3 runs each")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    medians: dict[str, float] = {}
    print(f"{'command':<18} {'median':>8} {'fastest':>8}  ({runs} runs each)")
    for name, argv in COMMANDS.items():
        timed(argv)  # warm-up, not counted
        times = [timed(argv) for _ in range(runs)]
        medians[name] = statistics.median(times)
        print(f"{name:<18} {medians[name]:>7.3f}s {min(times):>7.3f}s")
    floor = medians["python -c pass"]
    for name in ("golive --help", "golive run bogus"):
        print(f"ratio {name}/python: {medians[name] / floor:.1f}x")


if __name__ == "__main__":
    main()
