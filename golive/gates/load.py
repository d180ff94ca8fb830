"""Load gate: locust, headless, as a subprocess; p95 and failure ratio against thresholds.

Locust is never imported here: it monkey-patches the interpreter with gevent. Its CSV stats
are kept as evidence and read back.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any

from golive import runner
from golive.errors import ToolError
from golive.gates.deploy import service_url
from golive.manifest import LoadProfile, Service
from golive.results import Category, GateResult, failed, passed

GATE = "load"


def read_stats(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def service_urls(services: list[Service]) -> dict[str, str]:
    """GOLIVE_SERVICE_<NAME>_URL for every deployed service, so a locustfile can reach them all."""
    return {
        f"GOLIVE_SERVICE_{s.name.upper().replace('-', '_')}_URL": service_url(s) for s in services
    }


def load(
    profile: LoadProfile, root: Path, services: list[Service], evidence_dir: Path
) -> GateResult:
    started = time.monotonic()
    evidence_dir.mkdir(parents=True, exist_ok=True)
    prefix = evidence_dir / "locust"
    host = service_url(next(s for s in services if s.name == profile.host_service))
    argv = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(root / profile.locustfile),
        "--headless",
        "-u",
        str(profile.users),
        "-r",
        str(profile.spawn_rate),
        "-t",
        f"{profile.duration_s}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--exit-code-on-error",
        "0",
    ]
    try:
        done = runner.run(
            argv,
            cwd=root,
            timeout=profile.duration_s + 60,
            env=runner.child_env(service_urls(services)),
        )
    except ToolError as exc:
        return failed(GATE, Category.LOAD, str(exc), duration_s=time.monotonic() - started)
    stats_path = Path(f"{prefix}_stats.csv")
    if not done.ok or not stats_path.is_file():
        return failed(
            GATE,
            Category.LOAD,
            f"locust failed (exit {done.returncode}): {done.tail(1)}",
            duration_s=time.monotonic() - started,
        )
    rows = read_stats(stats_path)
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    if total is None or int(total["Request Count"]) == 0:
        return failed(
            GATE,
            Category.LOAD,
            "locust made no requests; check the locustfile",
            evidence=[str(stats_path)],
            duration_s=time.monotonic() - started,
        )
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    p95, ratio = float(total["95%"]), failures / requests
    details = [
        {
            "endpoint": f"{r['Type']} {r['Name']}".strip(),
            "requests": r["Request Count"],
            "failures": r["Failure Count"],
            "p95_ms": r["95%"],
            "rps": r["Requests/s"],
        }
        for r in rows
    ]
    measured = (
        f"{requests} requests, p95 {p95:g} ms (limit {profile.p95_ms:g}), "
        f"failure ratio {ratio:.3f} (limit {profile.max_failure_ratio:g})"
    )
    kw: dict[str, Any] = {
        "details": details,
        "evidence": [str(stats_path)],
        "duration_s": time.monotonic() - started,
    }
    problems = []
    if p95 > profile.p95_ms:
        problems.append("p95 over the limit")
    if ratio > profile.max_failure_ratio:
        problems.append("failure ratio over the limit")
    if problems:
        return failed(GATE, Category.LOAD, f"{' and '.join(problems)}: {measured}", **kw)
    return passed(GATE, Category.LOAD, measured, **kw)
