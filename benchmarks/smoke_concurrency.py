"""Benchmark: the smoke gate (concurrent, one pooled AsyncClient) against a sequential loop.

Starts --services tiny HTTP services (benchmarks/tiny_service.py) on free 127.0.0.1 ports,
runs --checks checks spread over them through golive.gates.smoke.smoke, then the same checks one
after another with one httpx.Client, and prints both times and the speed-up.

    .venv/bin/python benchmarks/smoke_concurrency.py            # 1,000 checks over 10 services
    .venv/bin/python benchmarks/smoke_concurrency.py --quick    # 100 checks, a few seconds
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from golive import runner
from golive.gates.smoke import DEFAULT_CONCURRENCY, smoke
from golive.health import service_url, wait_healthy
from golive.manifest import Service, SmokeCheck
from golive.ports import free_port
from golive.results import Status

TINY = Path(__file__).resolve().parent / "tiny_service.py"


@contextmanager
def tiny_services(count: int, delay_ms: float, scratch: Path) -> Iterator[list[Service]]:
    """`count` healthy tiny services; every one is stopped on exit, whatever happened."""
    procs: list[subprocess.Popen[bytes]] = []
    services: list[Service] = []
    try:
        for n in range(count):
            port = free_port()
            argv = [sys.executable, str(TINY), "--port", str(port), "--delay-ms", str(delay_ms)]
            log = scratch / f"tiny-{n}.log"
            procs.append(runner.start(argv, cwd=scratch, env=runner.child_env(), log_path=log))
            services.append(Service(name=f"svc-{n}", source=Path("."), command="-", port=port))
        for svc, proc in zip(services, procs, strict=True):
            problem = wait_healthy(service_url(svc, "/health"), 10, proc.poll)
            if problem:
                raise RuntimeError(f"{svc.name} not healthy: {problem}")
        yield services
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)


def sequential(checks: list[SmokeCheck], by_name: dict[str, Service]) -> int:
    """The same checks one at a time with one pooled client; returns how many passed."""
    ok = 0
    with httpx.Client() as client:
        for check in checks:
            url = service_url(by_name[check.service], check.path)
            response = client.request(check.method, url, timeout=check.timeout)
            ok += response.status_code == check.expect
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument("--services", type=int, default=10)
    parser.add_argument("--delay-ms", type=float, default=5.0, help="each answer's server time")
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--quick", action="store_true", help="100 checks: a smoke test of this")
    args = parser.parse_args()
    n_checks = min(args.checks, 100) if args.quick else args.checks
    n_services = max(1, min(args.services, 50))  # bounded: each is a process
    with (
        tempfile.TemporaryDirectory() as tmp,
        tiny_services(n_services, args.delay_ms, Path(tmp)) as services,
    ):
        checks = [
            SmokeCheck(name=f"c{i}", service=services[i % n_services].name, path=f"/c/{i}")
            for i in range(n_checks)
        ]
        t0 = time.perf_counter()
        result = smoke(checks, services, concurrency=args.concurrency)
        gate_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        seq_ok = sequential(checks, {s.name: s for s in services})
        seq_s = time.perf_counter() - t0
    print(
        f"checks      {n_checks} over {n_services} services, each answering after "
        f"{args.delay_ms:g} ms ({os.cpu_count()} CPUs)"
    )
    print(
        f"smoke gate  {gate_s:.2f} s  concurrency {args.concurrency}, one pooled "
        f"AsyncClient: {result.status.value}, {result.summary}"
    )
    print(
        f"sequential  {seq_s:.2f} s  one httpx.Client, one check at a time: "
        f"{seq_ok}/{n_checks} passed"
    )
    print(f"ratio sequential/gate: {seq_s / gate_s:.1f}x")
    return 0 if result.status is Status.PASSED and seq_ok == n_checks else 1


if __name__ == "__main__":
    sys.exit(main())
