"""Load gate: locust, headless, as subprocesses; latency, failures and throughput against limits.

Locust is never imported here: it monkey-patches the interpreter with gevent. One run is a plain
headless locust, or with `workers > 1` a master and that many worker processes, so the load
generator can use every core. Locust gets the `[load] env` keys of the production env file, and
its logs are redacted of their values. Its CSV and final JSON stats are kept as evidence; the gate's
numbers come from the JSON, written once at exit with every request counted. A staged
launch runs the same test at increasing user counts (`load_ramp`) to draw the capacity curve.

Locust runs with the target's interpreter (`python`: `[target] python`, else golive's), because
the locustfile is the target's code and imports what the target has. With `[target] python` set,
locust must therefore be installed in the target's environment (one of its dev requirements);
the gate says so when it is not, rather than falling back to golive's locust, which could not
import the locustfile's own imports.
"""

from __future__ import annotations

import contextlib
import json
import math
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive import runner
from golive.envfile import Redactor
from golive.errors import ToolError
from golive.files import private_dir, write_private
from golive.gates.outputs import EndpointStats, LoadOutput, Margin
from golive.health import service_url
from golive.manifest import LoadProfile, Service
from golive.ports import free_port
from golive.results import GateResult, failed, passed

GATE = "load"
Row = dict[str, Any]
# Seconds beyond the test's duration before a locust run counts as hung: start-up, workers
# connecting, and the final stats written.
GRACE_S = 60
# Seconds a worker gets to leave on its own after its master has ended, before SIGTERM/SIGKILL.
WORKER_EXIT_S = 5


class LoadRunError(Exception):
    """Locust did not produce stats; the message is the gate's summary."""


@dataclass(frozen=True)
class RunStats:
    """The aggregated numbers of one locust run, and its per-endpoint table."""

    users: int
    requests: int
    failures: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    endpoints: tuple[EndpointStats, ...]
    evidence: list[str]

    @property
    def failure_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    def describe(self) -> str:
        return (
            f"{self.requests} requests at {self.rps:.1f} req/s, p50 {self.p50_ms:g} ms, "
            f"p95 {self.p95_ms:g} ms, p99 {self.p99_ms:g} ms, "
            f"failure ratio {self.failure_ratio:.3f}"
        )


def service_urls(services: list[Service]) -> dict[str, str]:
    """GOLIVE_SERVICE_<NAME>_URL for every deployed service, so a locustfile can reach them all."""
    return {
        f"GOLIVE_SERVICE_{s.name.upper().replace('-', '_')}_URL": service_url(s) for s in services
    }


def percentile(histogram: dict[float, int], q: float) -> float:
    """Nearest-rank percentile (ms) of locust's bucketed response times {ms: count}."""
    total = sum(histogram.values())
    rank, seen = max(1, math.ceil(q * total)), 0
    for ms in sorted(histogram):
        seen += histogram[ms]
        if seen >= rank:
            return ms
    return 0.0


def _endpoint(
    name: str, requests: int, failures: int, hist: dict[float, int], span: float
) -> EndpointStats:
    return EndpointStats(
        endpoint=name,
        requests=requests,
        failures=failures,
        p50_ms=percentile(hist, 0.50),
        p95_ms=percentile(hist, 0.95),
        p99_ms=percentile(hist, 0.99),
        rps=round(requests / span, 2),
    )


def parse_stats(json_path: Path, users: int, evidence: list[str]) -> RunStats:
    """Read locust's final JSON stats (written at exit, unlike the CSV's once-a-second rewrite,
    which can miss the last second of a short run) into the per-endpoint table."""
    entries = json.loads(json_path.read_text(encoding="utf-8")) if json_path.is_file() else []
    if not entries or not sum(e["num_requests"] for e in entries):
        raise LoadRunError("locust made no requests; check the locustfile")
    # Locust's requests/s: every request over the time from the first start to the last request.
    last = max(e["last_request_timestamp"] or 0.0 for e in entries)
    span = max(last - min(e["start_time"] for e in entries), 1e-3)
    everything: Counter[float] = Counter()
    rows = []
    for e in sorted(entries, key=lambda e: (e["name"], e["method"])):
        hist = {float(ms): n for ms, n in e["response_times"].items()}
        everything.update(hist)
        name = f"{e['method']} {e['name']}".strip()
        rows.append(_endpoint(name, e["num_requests"], e["num_failures"], hist, span))
    requests = sum(r.requests for r in rows)
    failures = sum(r.failures for r in rows)
    total = _endpoint("Aggregated", requests, failures, dict(everything), span)
    return RunStats(
        users=users,
        requests=requests,
        failures=failures,
        rps=requests / span,
        p50_ms=total.p50_ms,
        p95_ms=total.p95_ms,
        p99_ms=total.p99_ms,
        endpoints=(*rows, total),
        evidence=[e for e in evidence if Path(e).is_file()],
    )


def crossed(profile: LoadProfile, stats: RunStats) -> list[str]:
    """Each threshold the run crossed, as `name measured vs limit`; empty when all hold."""
    problems = [
        f"{name} {measured:g} ms > limit {limit:g} ms"
        for name, measured, limit in (
            ("p50", stats.p50_ms, profile.p50_ms),
            ("p95", stats.p95_ms, profile.p95_ms),
            ("p99", stats.p99_ms, profile.p99_ms),
        )
        if limit is not None and measured > limit
    ]
    if stats.failure_ratio > profile.max_failure_ratio:
        problems.append(
            f"failure ratio {stats.failure_ratio:.3f} > limit {profile.max_failure_ratio:g}"
        )
    if profile.min_rps is not None and stats.rps < profile.min_rps:
        problems.append(f"rps {stats.rps:.1f} < minimum {profile.min_rps:g}")
    return problems


def margins(profile: LoadProfile, stats: RunStats) -> tuple[Margin, ...]:
    """Every threshold set, with its headroom (share of the limit left; negative: crossed),
    for the optimisation report's "closest to failing" table."""
    upper = [
        ("p50_ms", stats.p50_ms, profile.p50_ms),
        ("p95_ms", stats.p95_ms, profile.p95_ms),
        ("p99_ms", stats.p99_ms, profile.p99_ms),
        ("max_failure_ratio", round(stats.failure_ratio, 4), profile.max_failure_ratio),
    ]
    rows = []
    for name, measured, limit in upper:
        if limit is not None:
            # A zero limit (no failures allowed) has no share to spare: 0 if held, -1 if not.
            ratio = (limit - measured) / limit if limit else (0.0 if measured == 0 else -1.0)
            rows.append((name, measured, limit, ratio))
    if profile.min_rps is not None:
        rows.append(
            ("min_rps", round(stats.rps, 1), profile.min_rps, stats.rps / profile.min_rps - 1)
        )
    return tuple(
        Margin(threshold=n, measured=m, limit=lim, headroom_ratio=r) for n, m, lim, r in rows
    )


def _common_args(profile: LoadProfile, root: Path, python: Path | None = None) -> list[str]:
    # Absolute, because locust runs with root as its working folder.
    interpreter = str(python or sys.executable)
    return [interpreter, "-m", "locust", "-f", str((root / profile.locustfile).resolve())]


def _master_args(profile: LoadProfile, host: str, prefix: Path, users: int) -> list[str]:
    # Failed requests are judged against max_failure_ratio here, not by locust's exit code.
    args = f"--headless --only-summary --exit-code-on-error 0 -u {users} -r {profile.spawn_rate}"
    paths = ["--host", host, "--csv", str(prefix), "--json-file", str(prefix)]
    return [*args.split(), "-t", f"{profile.duration_s}s", *paths]


def _worker_args(profile: LoadProfile, root: Path, port: int, python: Path | None) -> list[str]:
    args = f"--worker --master-host 127.0.0.1 --master-port {port}"
    return [*_common_args(profile, root, python), *args.split()]


def stop_workers(workers: list[subprocess.Popen[bytes]], grace_s: float = WORKER_EXIT_S) -> None:
    """Give the workers `grace_s` to leave with their master, then stop each one's group."""
    deadline = time.monotonic() + grace_s
    for proc in workers:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        if proc.poll() is None:
            runner.stop_group(proc.pid, grace_s=5)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)  # its exit status, for the caller (stop_group may have reaped it)


def _run_master(
    argv: list[str],
    root: Path,
    env: dict[str, str],
    timeout: float,
    log: Path,
    redact: Callable[[str], str],
) -> None:
    """Run the (plain or master) locust to its end; its output is kept, redacted, in `log`."""
    try:
        done = runner.run(argv, cwd=root, timeout=timeout, env=env)
    except ToolError as exc:
        raise LoadRunError(redact(str(exc))) from exc
    write_private(log, redact(done.stdout + done.stderr))
    if runner.missing_module(done, "locust"):
        raise LoadRunError(
            f"the target's interpreter {argv[0]} has no locust; install locust in the target's"
            " environment (the locustfile runs with the target's interpreter: target.python)"
        )
    if not done.ok:
        raise LoadRunError(redact(f"locust failed (exit {done.returncode}): {done.tail(1)}"))


def _redact_logs(logs: list[Path], redact: Callable[[str], str]) -> None:
    """Workers write their logs themselves: scrub them once they have stopped."""
    for log in logs:
        with contextlib.suppress(OSError):
            write_private(log, redact(log.read_text(errors="replace")))


def run_locust(
    profile: LoadProfile,
    root: Path,
    services: list[Service],
    prefix: Path,
    users: int,
    pass_env: Sequence[str] = (),
    values: Mapping[str, str] | None = None,
    python: Path | None = None,
) -> RunStats:
    """One locust run at `users`, its files named `<prefix>…`. Leaves no locust process behind.

    Locust runs the target's locustfile: the target's interpreter and environment, the service
    URLs and `values` (the `[load] env` keys' values, secrets whatever their names)."""
    host = service_url(next(s for s in services if s.name == profile.host_service))
    values = dict(values or {})
    redact = Redactor(values, values.keys())
    env = runner.target_env(pass_env, {**values, **service_urls(services)}, python=python)
    master = _common_args(profile, root, python) + _master_args(profile, host, prefix, users)
    timeout = profile.duration_s + GRACE_S
    evidence = [f"{prefix}_stats.csv", f"{prefix}.json", f"{prefix}.log", f"{prefix}_failures.csv"]
    log = Path(evidence[2])
    if profile.workers <= 1:
        _run_master(master, root, env, timeout, log, redact)
        return parse_stats(Path(evidence[1]), users, evidence)
    port = free_port()
    master += ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port)]
    master += ["--expect-workers", str(profile.workers)]
    master += ["--expect-workers-max-wait", str(GRACE_S // 2)]
    workers: list[subprocess.Popen[bytes]] = []
    try:
        # Workers first: they keep asking until the master answers, so none misses the start.
        for n in range(1, profile.workers + 1):
            worker_log = Path(f"{prefix}-worker-{n}.log")
            argv = _worker_args(profile, root, port, python)
            workers.append(runner.start(argv, cwd=root, env=env, log_path=worker_log))
            evidence.append(str(worker_log))
        _run_master(master, root, env, timeout, log, redact)
    finally:
        stop_workers(workers)
        _redact_logs([Path(e) for e in evidence[4:]], redact)
    return parse_stats(Path(evidence[1]), users, evidence)


def _kept_evidence(prefix: Path) -> list[str]:
    kept = (f"{prefix}_stats.csv", f"{prefix}.json", f"{prefix}.log")
    return [p for p in kept if Path(p).is_file()]


def load(
    profile: LoadProfile,
    root: Path,
    services: list[Service],
    evidence_dir: Path,
    pass_env: Sequence[str] = (),
    values: Mapping[str, str] | None = None,
    python: Path | None = None,
) -> GateResult:
    """Run the load profile once at its user count and judge it against its thresholds."""
    started = time.monotonic()
    evidence_dir = private_dir(evidence_dir.resolve())  # locust's working folder is root
    prefix = evidence_dir / "locust"
    try:
        stats = run_locust(profile, root, services, prefix, profile.users, pass_env, values, python)
    except (LoadRunError, ToolError) as exc:
        return failed(
            GATE,
            str(exc),
            evidence=_kept_evidence(prefix),
            duration_s=time.monotonic() - started,
        )
    kw: dict[str, Any] = {
        "details": [e.model_dump() for e in stats.endpoints],
        "evidence": stats.evidence,
        "output": LoadOutput(
            users=stats.users,
            workers=profile.workers,
            rps=stats.rps,
            endpoints=stats.endpoints,
            margins=margins(profile, stats),
        ),
        "duration_s": time.monotonic() - started,
    }
    problems = crossed(profile, stats)
    if problems:
        summary = f"thresholds crossed: {'; '.join(problems)} ({stats.describe()})"
        return failed(GATE, summary, **kw)
    return passed(GATE, f"{stats.describe()}; all thresholds held", **kw)


def _curve_row(users: int, outcome: RunStats | None, problems: list[str]) -> Row:
    """One point of the capacity curve; a step without stats keeps its row, with the reason
    (problems[0], or none: an earlier step failed)."""
    # Labelled like locust's total row, so readers of endpoint tables pass over it.
    row: Row = {"endpoint": f"Aggregated at {users} users", "users": users, "requests": 0}
    row |= {"rps": 0.0, "p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "failure_ratio": 0.0}
    if outcome is None:
        return row | {"result": problems[0] if problems else "not run: an earlier step failed"}
    return row | {
        "requests": outcome.requests,
        "rps": round(outcome.rps, 2),
        "p50_ms": outcome.p50_ms,
        "p95_ms": outcome.p95_ms,
        "p99_ms": outcome.p99_ms,
        "failure_ratio": round(outcome.failure_ratio, 4),
        "result": "; ".join(problems) or "ok",
    }


def _ramp_steps(
    profile: LoadProfile,
    root: Path,
    services: list[Service],
    evidence_dir: Path,
    steps: list[int],
    pass_env: Sequence[str],
    values: Mapping[str, str] | None = None,
    python: Path | None = None,
) -> tuple[list[Row], list[RunStats], str | None]:
    """Run the steps in order until one crosses a threshold: (curve rows, stats, why it failed)."""
    rows: list[Row] = []
    measured: list[RunStats] = []
    failure: str | None = None
    for users in steps:
        if failure is not None:
            rows.append(_curve_row(users, None, []))
            continue
        outcome: RunStats | None = None
        try:
            prefix = evidence_dir / f"locust-{users}u"
            outcome = run_locust(profile, root, services, prefix, users, pass_env, values, python)
            problems = crossed(profile, outcome)
            measured.append(outcome)
        except (LoadRunError, ToolError) as exc:
            problems = [str(exc)]
        rows.append(_curve_row(users, outcome, problems))
        if problems:
            failure = f"at {users} users: {'; '.join(problems)}"
    return rows, measured, failure


def load_ramp(
    profile: LoadProfile,
    root: Path,
    services: list[Service],
    evidence_dir: Path,
    users_steps: list[int],
    pass_env: Sequence[str] = (),
    values: Mapping[str, str] | None = None,
    python: Path | None = None,
) -> GateResult:
    """The same test at each user count in turn: the capacity curve, judged step by step.

    The ramp stops at the first step that crosses a threshold (more load only confirms it);
    later steps keep a row saying they did not run. No steps: one step at `profile.users`.
    Details are the curve; the output holds each step's endpoint table, and the heaviest measured
    step's endpoints and threshold margins.
    """
    started = time.monotonic()
    evidence_dir = private_dir(evidence_dir.resolve())  # locust's working folder is root
    steps = users_steps or [profile.users]
    rows, measured, failure = _ramp_steps(
        profile, root, services, evidence_dir, steps, pass_env, values, python
    )
    held = [r["users"] for r in rows if r["result"] == "ok"]
    heaviest = measured[-1] if measured else None
    kw: dict[str, Any] = {
        "details": rows,
        "evidence": [e for m in measured for e in m.evidence],
        "output": LoadOutput(
            users=heaviest.users if heaviest else 0,
            workers=profile.workers,
            rps=heaviest.rps if heaviest else 0.0,
            steps=tuple(steps),
            held=tuple(held),
            by_step={str(m.users): m.endpoints for m in measured},
            endpoints=heaviest.endpoints if heaviest else (),
            margins=margins(profile, heaviest) if heaviest else (),
        ),
        "duration_s": time.monotonic() - started,
        "score": round(100 * len(held) / len(steps)),
    }
    if failure is not None:
        upto = f"held up to {held[-1]} users" if held else "the first step failed"
        return failed(GATE, f"ramp failed {failure} ({upto})", **kw)
    curve = ", ".join(f"{r['users']}u {r['rps']:.0f} req/s p95 {r['p95_ms']:g} ms" for r in rows)
    return passed(GATE, f"ramp held every threshold: {curve}", **kw)
