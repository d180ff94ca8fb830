"""Downtime of each service across releases, behind golive's nginx proxy and without it (each
changed service replaced one at a time), side by side in one run.

Each mode launches its own copy of the bundled example (free ports of its own) once to have a
live release, then, while a probe asks every public port for /health every 20 ms, runs two more
launches: (a) one whose api fails its health check (NO-GO) and (b) one with a changed, good api
(GO); payments never changes. For each launch and service it prints the failed probe requests
(an error or an answer other than 200) and the longest gap (the longest time between two
successful answers), and how many answers came from the failing release. Nothing is asserted:
timings depend on the machine.

    .venv/bin/python benchmarks/zero_downtime.py           # full launches, all three services
    .venv/bin/python benchmarks/zero_downtime.py --quick   # soft launches (api and payments)

Needs the example's own virtualenv (`make example-venv`) and nginx; exits 2 saying so when one
is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import httpx
from azora_api import copy_example

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "azora"
INTERVAL_S = 0.02
MODES = {"proxy": "nginx proxy", "replace": "one at a time"}
LAUNCHES = {"a": "a: api fails health", "b": "b: api changed, good"}
# Only where golive runs it does the api's health fail (its own test suite still passes), so
# the release gets as far as deploy; every answer it gives carries a header the probe counts.
BROKEN = """

import os as _os

from fastapi import Request as _Request
from fastapi.responses import JSONResponse as _JSONResponse


@app.middleware("http")
async def _broken(request: _Request, call_next):
    if not _os.environ.get("GOLIVE_ENVIRONMENT"):
        return await call_next(request)
    if request.url.path == "/health":
        response = _JSONResponse({"status": "broken"}, 503)
    else:
        response = await call_next(request)
    response.headers["x-golive-bench"] = "bad-release"
    return response
"""


@dataclass
class Seen:
    probes: int = 0
    failed: int = 0
    bad: int = 0  # answers from the failing release
    gap_s: float = 0.0


class Probe:
    """Asks each public port for /health every INTERVAL_S, counting per (launch, service)."""

    def __init__(self, ports: dict[str, int]) -> None:
        self.ports = ports
        self.phase = ""
        self.seen: defaultdict[tuple[str, str], Seen] = defaultdict(Seen)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        last_ok = dict.fromkeys(self.ports, time.monotonic())
        with httpx.Client(timeout=5) as client:
            while not self.done.wait(INTERVAL_S):
                for name, port in self.ports.items():
                    seen = self.seen[(self.phase, name)]
                    seen.probes += 1
                    try:
                        answer = client.get(f"http://127.0.0.1:{port}/health")
                    except httpx.HTTPError:
                        seen.failed += 1
                        continue
                    seen.bad += "x-golive-bench" in answer.headers
                    if answer.status_code != 200:
                        seen.failed += 1
                        continue
                    now = time.monotonic()
                    seen.gap_s = max(seen.gap_s, now - last_ok[name])
                    last_ok[name] = now
        end = time.monotonic()  # a service still failing at the end: its gap runs until now
        for name, ok in last_ok.items():
            seen = self.seen[(self.phase, name)]
            seen.gap_s = max(seen.gap_s, end - ok)


def prepare(dest: Path, mode: str, nginx: str) -> tuple[Path, dict[str, int]]:
    """A copy of the example on free ports, behind nginx in proxy mode; its launch.toml and
    public ports."""
    manifest, ports = copy_example(dest)
    if mode == "proxy":
        with manifest.open("a") as text:
            text.write(f'\n[proxy]\nkind = "nginx"\nbinary = "{nginx}"\n')
    return manifest, ports


def failing_fast(manifest: Path, api_port: int) -> str:
    """The manifest's text with a short api health timeout, for the launch whose api never
    becomes healthy (it waits that long); a good release keeps the default, so a busy machine
    starting it slowly is no NO-GO."""
    return re.sub(
        rf"(port = {api_port}\nhealth = \"/health\"\n)",
        r"\1health_timeout = 5\n",
        manifest.read_text(),
    )


def golive(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "golive.cli", *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=False)


def launch(manifest: Path, variant: str, environment: str, env: dict[str, str]) -> str:
    """The launch's verdict; with its reasons when it is a NO-GO."""
    report = manifest.parent / "report.json"
    report.unlink(missing_ok=True)
    args = ["run", variant, "--manifest", str(manifest), "--environment", environment]
    done = golive([*args, "--report-json", str(report)], env)
    if not report.is_file():
        sys.exit(f"zero_downtime: the launch wrote no report: {done.stderr.strip()[-500:]}")
    outcome = json.loads(report.read_text())
    reasons = "; ".join(outcome.get("reasons", []))
    return str(outcome["verdict"]) + (f" ({reasons})" if reasons else "")


def measure(work: Path, mode: str, variant: str, nginx: str, env: dict[str, str]) -> Probe:
    """One mode: a first launch (not measured), then launches a and b under the probe."""
    manifest, ports = prepare(work / mode, mode, nginx)
    if variant == "soft":
        ports.pop("assistant")  # a soft launch deploys the core services only
    environment = f"bench-{mode}"
    first = launch(manifest, variant, environment, env)
    if first != "GO":  # a NO-GO says why
        sys.exit(f"zero_downtime: the first launch ({mode}) was {first}, not GO")
    app = manifest.parent / "services" / "api" / "app.py"
    original, settings = app.read_text(), manifest.read_text()
    probe = Probe(ports)
    probe.thread.start()
    try:
        probe.phase = "a"
        app.write_text(original + BROKEN)
        manifest.write_text(failing_fast(manifest, ports["api"]))
        verdicts = [launch(manifest, variant, environment, env)]
        probe.phase = "b"
        app.write_text(original + f"\n# changed {time.time_ns()}\n")
        manifest.write_text(settings)
        verdicts.append(launch(manifest, variant, environment, env))
    finally:
        probe.done.set()
        probe.thread.join()
        golive(["down", "--environment", environment], env)
    short = [v.split(" (")[0] for v in verdicts]
    if short[1] != "GO":  # why, to tell a slow machine from a broken deploy
        print(f"{MODES[mode]}: launch b: {verdicts[1]}")
    print(f"{MODES[mode]}: verdicts a {short[0]}, b {short[1]} (expected NO-GO, GO)")
    return probe


def report(probes: dict[str, Probe]) -> None:
    print((f"{'':<33}" + "".join(f" {MODES[m]:<28}" for m in probes)).rstrip())
    print(f"{'launch':<22} {'service':<10}" + " failed/probes      gap    " * len(probes) + "bad")
    services = list(next(iter(probes.values())).ports)
    for phase, title in LAUNCHES.items():
        for name in services:
            line = f"{title:<22} {name:<10}"
            for probe in probes.values():
                s = probe.seen[(phase, name)]
                line += f" {f'{s.failed}/{s.probes}':>13} {s.gap_s * 1000:>8.0f}ms    "
            bad = "/".join(str(p.seen[(phase, name)].bad) for p in probes.values())
            print(line + bad)
    print("failed: an error or an answer other than 200; gap: the longest time between two")
    print("successful answers; bad: answers from the failing release (per mode, in column order)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="soft launches (api and payments)")
    args = parser.parse_args()
    if not (EXAMPLE / ".venv" / "bin" / "python").exists():
        print("zero_downtime: examples/azora/.venv is missing; run `make example-venv`")
        sys.exit(2)
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if nginx is None:
        print("zero_downtime: nginx is not installed (apt-get install -y nginx)", file=sys.stderr)
        sys.exit(2)
    variant = "soft" if args.quick else "full"
    with tempfile.TemporaryDirectory(prefix="golive-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "GOLIVE_HOME": str(work / "home"), "PREFECT_HOME": str(work / "ph")}
        env.pop("PREFECT_API_URL", None)  # the managed server under this GOLIVE_HOME
        env.pop("GOLIVE_LEDGER_URL", None)  # the ledger under this GOLIVE_HOME, too
        try:
            started = golive(["server", "start"], env)
            if started.returncode != 0:
                sys.exit(f"zero_downtime: no Prefect server: {started.stderr.strip()[-300:]}")
            probes = {mode: measure(work, mode, variant, nginx, env) for mode in MODES}
        finally:
            golive(["server", "stop"], env)
    report(probes)


if __name__ == "__main__":
    main()
