"""What golive adds to the work its gates do: three rehearsals of the bundled example against one
running Prefect server, side by side in one run.

- cold: after a change to every cached input (requirements, every service's source), so audit,
  tests and build run again;
- warm: nothing changed, so audit, tests and build come from the cache;
- config error: a placeholder secret, NO-GO at configure (fail fast stops the rest);
- the same config error with GOLIVE_WARM_PROCESS=off: a golive that imports Prefect itself
  (every launch above runs in golive's warm process, started by `golive server start`).

For each: the wall time from command start to exit, the sum of the gate durations (what a serial
script of the same commands would take), the critical path of the DAG (Hour 1: configure then
migrate beside audit and tests; Hour 2: build, deploy, then monitor beside smoke, then load and
metrics), wall / sum, and the overhead (wall - critical path). Then the issue's goals as ratios:
cold wall / cold sum, warm wall / cold sum. Nothing is asserted: timings depend on the machine.

    .venv/bin/python benchmarks/launch_overhead.py           # full rehearsals
    .venv/bin/python benchmarks/launch_overhead.py --quick   # soft rehearsals (no load test)

Needs the example's own virtualenv (`make example-venv`); exits 2 saying so when it is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from azora_api import copy_example

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "azora"


def golive(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "golive.cli", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=False)


def change_every_cached_input(target: Path) -> None:
    """A comment added to the requirements and to each service's code: new cache keys."""
    stamp = f"\n# benchmark {time.time_ns()}\n"
    for path in [target / "requirements.txt", *sorted((target / "services").glob("*/app.py"))]:
        path.write_text(path.read_text() + stamp)


def critical_path(durations: dict[str, float]) -> float:
    """The longest chain of the plan's DAG (flows/plan.py): Hour 1 is configure then migrate
    beside audit and tests; Hour 2 is build, deploy, then monitor beside smoke, then load, a
    canary's bake and metrics."""
    gate = durations.get
    hour_one = max(gate("configure", 0) + gate("migrate", 0), gate("audit", 0), gate("tests", 0))
    hour_two = gate("build", 0) + gate("deploy", 0) + max(gate("monitor", 0), gate("smoke", 0))
    return hour_one + hour_two + sum(gate(g, 0) for g in ("load", "bake", "metrics"))


def launch(manifest: Path, variant: str, env: dict[str, str], report: Path) -> dict[str, Any]:
    started = time.perf_counter()
    done = golive(
        ["run", variant, "--manifest", str(manifest), "--rehearsal", "--report-json", str(report)],
        env,
    )
    wall = time.perf_counter() - started
    if not report.is_file():
        sys.exit(f"launch_overhead: the launch wrote no report: {done.stderr.strip()[-500:]}")
    gates = {g["gate"]: float(g["duration_s"]) for g in json.loads(report.read_text())["gates"]}
    verdict = json.loads(report.read_text())["verdict"]
    return {
        "wall": wall,
        "sum": sum(gates.values()),
        "path": critical_path(gates),
        "verdict": verdict,
        "gates": gates,
    }


def print_gates(runs: dict[str, dict[str, Any]]) -> None:
    """Each gate's duration in each run: where the time goes."""
    print(f"{'gate (s)':<13} " + " ".join(f"{name[:12]:>12}" for name in runs))
    for gate in sorted({g for r in runs.values() for g in r["gates"]}):
        cells = (
            f"{r['gates'][gate]:>12.1f}" if gate in r["gates"] else f"{'-':>12}"
            for r in runs.values()
        )
        print(f"{gate:<13} " + " ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="soft rehearsals, no load test")
    args = parser.parse_args()
    if not (EXAMPLE / ".venv" / "bin" / "python").exists():
        print("launch_overhead: examples/azora/.venv is missing; run `make example-venv`")
        sys.exit(2)
    variant = "soft" if args.quick else "full"
    with tempfile.TemporaryDirectory(prefix="golive-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "GOLIVE_HOME": str(work / "home"), "PREFECT_HOME": str(work / "ph")}
        env.pop("PREFECT_API_URL", None)  # the managed server under this GOLIVE_HOME
        manifest, _ = copy_example(work / "azora")
        try:
            started = golive(["server", "start"], env)
            if started.returncode != 0:
                sys.exit(f"launch_overhead: no Prefect server: {started.stderr.strip()[-300:]}")
            launch(manifest, variant, env, work / "prime.json")  # fills the caches: not counted
            change_every_cached_input(manifest.parent)
            runs = {"cold": launch(manifest, variant, env, work / "cold.json")}
            runs["warm"] = launch(manifest, variant, env, work / "warm.json")
            secrets = manifest.parent / ".env.production"
            secrets.write_text(
                secrets.read_text().replace("JWT_SECRET=", "JWT_SECRET=changeme\n#", 1)
            )
            runs["config error"] = launch(manifest, variant, env, work / "error.json")
            # The same, in a golive that imports Prefect itself: what the warm process saves.
            cold_start = {**env, "GOLIVE_WARM_PROCESS": "off"}
            runs["config error, no warm process"] = launch(
                manifest, variant, cold_start, work / "error-cold.json"
            )
        finally:
            golive(["down", "--environment", "production-rehearsal"], env)
            golive(["server", "stop"], env)
    columns = ("wall", "sum", "path")
    header = " ".join(f"{c:>7}" for c in columns)
    print(f"{'run':<13} {'verdict':<6} {header} {'wall/sum':>9} {'overhead':>9}")
    for name, r in runs.items():
        ratio = r["wall"] / r["sum"] if r["sum"] else float("inf")
        print(
            f"{name:<13} {r['verdict']:<6} {r['wall']:>6.1f}s {r['sum']:>6.1f}s {r['path']:>6.1f}s"
            f" {ratio:>9.2f} {r['wall'] - r['path']:>8.1f}s"
        )
    print_gates(runs)
    cold = runs["cold"]
    print(f"ratio cold wall/cold sum: {cold['wall'] / cold['sum']:.2f} (goal <= 0.75)")
    print(f"ratio warm wall/cold sum: {runs['warm']['wall'] / cold['sum']:.2f} (goal <= 0.5)")
    print(f"config-error wall: {runs['config error']['wall']:.1f}s (goal <= 3 s)")
    unwarmed = runs["config error, no warm process"]["wall"]
    print(f"config-error wall without the warm process: {unwarmed:.1f}s")


if __name__ == "__main__":
    main()
