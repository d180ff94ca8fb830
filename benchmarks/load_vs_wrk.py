"""Benchmark: requests/s of the load gate's locust run against wrk's, on the same service.

Starts the example's api service (a private copy, a fresh SQLite database, a free 127.0.0.1
port), drives GET /catalog through golive.gates.load.load with benchmarks/catalog_locustfile.py
(FastHttpUser, no think time), then with `wrk -t2 -c20 -d<duration>s`, and prints both rates and
locust/wrk. The generator and the service share this machine's cores, as they would in a
rehearsal, so the ratio says how much of the service's capacity the load gate can reach.

    .venv/bin/python benchmarks/load_vs_wrk.py                 # 10 s each
    .venv/bin/python benchmarks/load_vs_wrk.py --workers 2     # distributed locust
    .venv/bin/python benchmarks/load_vs_wrk.py --quick         # 2 s each
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from golive import runner
from golive.gates.load import load
from golive.gates.outputs import LoadOutput
from golive.manifest import LoadProfile, Service

# Run as a script: its folder is not a package, so its sibling helper is found through the path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from azora_api import api_service

HERE = Path(__file__).resolve().parent
CONNECTIONS = 20


def locust_rps(scratch: Path, port: int, duration: int, workers: int) -> tuple[float, str]:
    """Requests/s of the load gate's own locust run, and its one-line summary. The locustfile
    runs `duration` seconds from its first answer; the gate's duration is a ceiling."""
    profile = LoadProfile(
        locustfile=Path("catalog_locustfile.py"),
        host_service="api",
        env=["BENCH_WINDOW_S"],
        users=CONNECTIONS,  # one user per wrk connection: both are closed loops
        spawn_rate=CONNECTIONS * 10,
        duration_s=duration + 120,
        workers=workers,
        p95_ms=60_000,
        max_failure_ratio=1,
    )
    api = Service(name="api", source=Path("."), command="-", port=port)
    window = {"BENCH_WINDOW_S": str(duration)}
    result = load(profile, HERE, [api], scratch / "locust", values=window)
    if not isinstance(result.output, LoadOutput):
        raise RuntimeError(f"the load gate produced no stats: {result.summary}")
    return result.output.rps, result.summary


def wrk_rps(port: int, duration: int) -> float:
    argv = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", f"http://127.0.0.1:{port}/catalog"]
    done = runner.run(argv, timeout=duration + 30)
    found = re.search(r"Requests/sec:\s*([\d.]+)", done.stdout)
    if not done.ok or found is None:
        raise RuntimeError(f"wrk failed (exit {done.returncode}): {done.tail()}")
    return float(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds for each tool")
    parser.add_argument("--workers", type=int, default=1, help="locust workers (1: no master)")
    parser.add_argument("--quick", action="store_true", help="2 s each: a smoke test of this")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print(
            "wrk not found on PATH: install it (Debian/Ubuntu: sudo apt-get install -y wrk; "
            "macOS: brew install wrk) and run again",
            file=sys.stderr,
        )
        return 2
    duration = 2 if args.quick else max(1, min(args.duration, 300))
    with tempfile.TemporaryDirectory() as tmp, api_service(Path(tmp)) as port:
        locust, summary = locust_rps(Path(tmp), port, duration, args.workers)
        wrk = wrk_rps(port, duration)
    print(f"target  GET /catalog, example api service (1 uvicorn process), {os.cpu_count()} CPUs")
    print(
        f"locust  {locust:9.1f} req/s  load gate, {CONNECTIONS} users, {args.workers} "
        f"worker(s), {duration} s: {summary}"
    )
    print(f"wrk     {wrk:9.1f} req/s  wrk -t2 -c{CONNECTIONS} -d{duration}s")
    print(f"ratio locust/wrk: {locust / wrk:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
