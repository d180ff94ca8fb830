"""Load gate with real locust processes against the example's api service on a free port.

The api service runs from a private copy with a freshly migrated SQLite database; it never
uses the demo's ports. Each test writes its own locustfile, so `pgrep -f <its path>` finds
exactly the locust processes that test started.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive import runner
from golive.gates.load import (
    RunStats,
    crossed,
    free_port,
    load,
    load_ramp,
    margins,
    percentile,
    stop_workers,
)
from golive.gates.outputs import LoadOutput
from golive.health import wait_healthy
from golive.manifest import LoadProfile, Service
from golive.results import Status
from tests.conftest import EXAMPLE, TARGET_ONLY, missing, output_of, target_interpreter
from tests.conftest import port as example_port

LOCUSTFILE = """
from locust import FastHttpUser, constant, events, task
from locust.clients import HttpSession


@events.test_stop.add_listener
def at_least_one_request(environment, **kwargs):
    # On a busy machine a short step can end before any user's first request: one real request
    # then, so every step is measured, however slowly the machine ran it.
    if environment.stats.total.num_requests == 0:
        session = HttpSession(environment.host, environment.events.request, None)
        session.get("/health")


class Visitor(FastHttpUser):
    wait_time = constant(0.01)

    @task(3)
    def catalog(self):
        self.client.get("/catalog")

    @task(1)
    def health(self):
        self.client.get("/health")
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The example's api service, migrated and healthy on a free 127.0.0.1 port."""
    if importlib.util.find_spec("locust") is None:
        missing("locust is not installed in this interpreter; pip install -e '.[dev]'")
    scratch = tmp_path_factory.mktemp("load-api")
    app = scratch / "api"
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(EXAMPLE / "services" / "api", app, ignore=skip)
    shutil.copytree(EXAMPLE / "azora_common", app / "azora_common", ignore=skip)
    env = runner.child_env({"DATABASE_URL": f"sqlite:///{scratch / 'azora.db'}"})
    alembic = [sys.executable, "-m", "alembic", "-c", str(EXAMPLE / "alembic.ini"), "upgrade"]
    assert runner.run([*alembic, "head"], cwd=scratch, env=env, timeout=120).ok
    port = free_port()
    assert port not in range(example_port(18101), example_port(18104))
    argv = [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port)]
    proc = runner.start(argv, cwd=app, env=env, log_path=scratch / "api.log")
    try:
        problem = wait_healthy(f"http://127.0.0.1:{port}/health", 30, proc.poll)
        assert problem is None, problem
        yield Service(name="api", source=Path("api"), command="-", port=port)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def write_locustfile(tmp_path: Path, text: str = LOCUSTFILE) -> Path:
    path = tmp_path / "locustfile.py"
    path.write_text(text)
    return path


def profile(locustfile: Path, **kw: object) -> LoadProfile:
    fields: dict[str, object] = {
        "locustfile": locustfile.name,
        "host_service": "api",
        "users": 3,
        "spawn_rate": 10,
        "duration_s": 2,
        "p95_ms": 5000,
        "max_failure_ratio": 0.01,
    }
    return LoadProfile.model_validate(fields | kw)


def locust_pids(locustfile: Path) -> list[str]:
    if shutil.which("pgrep") is None:
        missing("pgrep not found (procps); needed to look for leftover locust processes")
    found = subprocess.run(
        ["pgrep", "-f", str(locustfile)], capture_output=True, text=True, check=False
    )
    return found.stdout.split()


def test_load_passes_against_a_real_service(api: Service, tmp_path: Path) -> None:
    lf = write_locustfile(tmp_path)
    result = load(profile(lf), tmp_path, [api], tmp_path / "evidence")
    assert result.status is Status.PASSED, result.summary
    endpoints = {row["endpoint"]: row for row in result.details}
    assert {"GET /catalog", "GET /health", "Aggregated"} <= set(endpoints)
    catalog = endpoints["GET /catalog"]
    assert catalog["requests"] > 0 and catalog["failures"] == 0
    assert {"p50_ms", "p95_ms", "p99_ms", "rps"} <= set(catalog)
    assert Path(result.evidence[0]).name == "locust_stats.csv"
    assert all(Path(e).is_file() for e in result.evidence)


def test_crossed_thresholds_fail_and_are_named(api: Service, tmp_path: Path) -> None:
    lf = write_locustfile(tmp_path)
    strict = profile(lf, p95_ms=0.001, min_rps=1_000_000)
    result = load(strict, tmp_path, [api], tmp_path / "evidence")
    assert result.status is Status.FAILED and result.blocks_launch
    assert "p95" in result.summary and "> limit 0.001 ms" in result.summary
    assert "rps" in result.summary and "< minimum 1e+06" in result.summary
    assert "p50" not in result.summary.split("(")[0]  # no p50 limit was set


def test_distributed_run_has_stats_and_leaves_no_locust_behind(
    api: Service, tmp_path: Path
) -> None:
    lf = write_locustfile(tmp_path)
    result = load(profile(lf, workers=2, users=4), tmp_path, [api], tmp_path / "evidence")
    assert result.status is Status.PASSED, result.summary
    assert output_of(result, LoadOutput).workers == 2
    aggregated = next(r for r in result.details if r["endpoint"] == "Aggregated")
    assert aggregated["requests"] > 0
    assert sum(1 for e in result.evidence if "-worker-" in e) == 2
    assert locust_pids(lf) == []


def test_a_broken_locustfile_fails_and_stops_its_workers(api: Service, tmp_path: Path) -> None:
    lf = write_locustfile(tmp_path, "this is not python\n")
    result = load(profile(lf, workers=2), tmp_path, [api], tmp_path / "evidence")
    assert result.status is Status.FAILED
    assert "locust failed" in result.summary
    assert locust_pids(lf) == []


def test_ramp_records_one_curve_row_per_step(api: Service, tmp_path: Path) -> None:
    lf = write_locustfile(tmp_path)
    result = load_ramp(profile(lf, duration_s=1), tmp_path, [api], tmp_path / "ev", [1, 2, 4])
    assert result.status is Status.PASSED, result.summary
    assert [row["users"] for row in result.details] == [1, 2, 4]
    assert all(row["rps"] > 0 and row["result"] == "ok" for row in result.details)
    output = output_of(result, LoadOutput)
    assert set(output.by_step) == {"1", "2", "4"}
    assert output.endpoints == output.by_step["4"]  # the heaviest step
    assert {m.threshold for m in output.margins} == {"p95_ms", "max_failure_ratio"}
    assert len([e for e in result.evidence if e.endswith("_stats.csv")]) == 3


def test_ramp_fails_at_the_step_that_crosses(api: Service, tmp_path: Path) -> None:
    lf = write_locustfile(tmp_path)
    strict = profile(lf, duration_s=1, min_rps=1_000_000)
    result = load_ramp(strict, tmp_path, [api], tmp_path / "ev", [1, 2, 4])
    assert result.status is Status.FAILED
    assert "ramp failed at 1 users: rps" in result.summary
    assert [row["users"] for row in result.details] == [1, 2, 4]
    assert result.details[2]["result"].startswith("not run")


def stats(**kw: float) -> RunStats:
    values = {"p50_ms": 10.0, "p95_ms": 20.0, "p99_ms": 30.0, "rps": 100.0} | kw
    return RunStats(
        3,
        1000,
        int(kw.get("failures", 0)),
        endpoints=(),
        evidence=[],
        **{k: v for k, v in values.items() if k != "failures"},
    )


def test_crossed_names_only_the_limits_set(tmp_path: Path) -> None:
    base = profile(tmp_path / "locustfile.py")
    assert crossed(base, stats()) == []
    tight = profile(tmp_path / "l.py", p50_ms=5, p99_ms=25, max_failure_ratio=0.001, min_rps=200)
    assert crossed(tight, stats(failures=10)) == [
        "p50 10 ms > limit 5 ms",
        "p99 30 ms > limit 25 ms",
        "failure ratio 0.010 > limit 0.001",
        "rps 100.0 < minimum 200",
    ]


def test_ramp_must_increase(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="strictly increase"):
        profile(tmp_path / "l.py", ramp=[5, 5, 10])


def test_percentile_is_nearest_rank_over_locust_buckets() -> None:
    histogram = {1.0: 50, 2.0: 45, 10.0: 5}
    assert [percentile(histogram, q) for q in (0.5, 0.95, 0.99)] == [1.0, 2.0, 10.0]
    assert percentile({}, 0.95) == 0.0


def test_workers_whose_master_never_answers_are_stopped(tmp_path: Path) -> None:
    lf = write_locustfile(tmp_path)
    argv = [sys.executable, "-m", "locust", "-f", str(lf), "--worker", "--master-port"]
    workers = [
        runner.start(
            [*argv, str(free_port())], cwd=tmp_path, env=runner.child_env(), log_path=tmp_path / "w"
        )
        for _ in range(2)
    ]
    stop_workers(workers, grace_s=0.5)
    assert all(w.returncode is not None for w in workers)
    assert locust_pids(lf) == []


def test_margins_give_each_set_threshold_its_headroom(tmp_path: Path) -> None:
    tight = profile(tmp_path / "l.py", p95_ms=40, max_failure_ratio=0, min_rps=50)
    rows = {m.threshold: m for m in margins(tight, stats())}
    assert set(rows) == {"p95_ms", "max_failure_ratio", "min_rps"}
    assert rows["p95_ms"].headroom == "50%" and rows["min_rps"].headroom == "100%"
    assert rows["max_failure_ratio"].headroom_ratio == 0.0


def test_the_locustfile_runs_with_the_targets_interpreter(api: Service, tmp_path: Path) -> None:
    """A locustfile importing what only the target's environment has: fails with golive's
    interpreter, passes with the target's."""
    python = target_interpreter(tmp_path / "target-venv")
    lf = tmp_path / "locustfile.py"
    lf.write_text(f"import {TARGET_ONLY}\n{LOCUSTFILE}")
    ours = load(profile(lf), tmp_path, [api], tmp_path / "ours")
    assert ours.status is Status.FAILED and TARGET_ONLY in ours.summary, ours.summary
    result = load(profile(lf), tmp_path, [api], tmp_path / "evidence", python=python)
    assert result.status is Status.PASSED, result.summary


def test_a_target_without_locust_is_told_so(tmp_path: Path) -> None:
    bare = target_interpreter(tmp_path / "bare-venv", with_golive_packages=False)
    lf = write_locustfile(tmp_path)
    svc = Service.model_validate(
        {"name": "api", "source": ".", "command": "serve {port}", "port": free_port()}
    )
    result = load(profile(lf), tmp_path, [svc], tmp_path / "evidence", python=bare)
    assert result.status is Status.FAILED
    assert result.summary.startswith(f"the target's interpreter {bare} has no locust;")
    assert "target.python" in result.summary
