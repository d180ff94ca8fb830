"""golive as its users run it: a real `prefect server`, the deployments from prefect.yaml, a
process worker, launches started with `prefect deployment run --watch`, a staged launch that
suspends on its deployment and is approved through the API, and the UI in headless Chromium.

One server and one worker serve the whole module (each takes seconds to start).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive import runner

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    api: str
    env: dict[str, str]
    home: Path

    def get(self, path: str) -> Any:
        return httpx.get(self.api + path, timeout=10).json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return httpx.post(self.api + path, json=body, timeout=10).json()

    def state(self, run_id: str) -> tuple[str, str]:
        state = self.get(f"/flow_runs/{run_id}")["state"]
        return state["type"], state["name"]

    def wait_state(self, run_id: str, *names: str, timeout: float = 240) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            name = self.state(run_id)[1]
            if name in names:
                return name
            time.sleep(1)
        raise AssertionError(f"flow run {run_id} never reached {names}; it is {self.state(run_id)}")

    def cli(self, *argv: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(argv),
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout}s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    bin_dir = str(Path(sys.executable).parent)
    env = runner.child_env(
        {
            "PREFECT_HOME": str(root / "prefect"),
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "GOLIVE_HOME": str(root / "golive-home"),
            "PATH": bin_dir + os.pathsep + os.environ["PATH"],
        }
    )
    env.pop("PREFECT_PROFILES_PATH", None)
    logs = root / "logs"
    logs.mkdir()
    procs = [
        runner.start(
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=root,
            env=env,
            log_path=logs / "server.log",
        )
    ]
    try:
        wait_healthy(f"http://127.0.0.1:{port}/api/health")
        srv = Server(f"http://127.0.0.1:{port}/api", env, root / "golive-home")
        deployed = srv.cli(sys.executable, "deployments/deploy.py")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        procs.append(
            runner.start(
                [sys.executable, "-m", "prefect", "worker", "start", "--pool", "golive"],
                cwd=REPO,
                env=env,
                log_path=logs / "worker.log",
            )
        )
        yield srv
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        srv_env = {**env}
        subprocess.run(
            [sys.executable, "-m", "golive.cli", "down", "--environment", "e2e"],
            env=srv_env,
            cwd=REPO,
            capture_output=True,
            check=False,
            timeout=120,
        )


def launch_id_of(server: Server, run_id: str) -> int:
    import sqlite3

    with sqlite3.connect(server.home / "ledger.db") as db:
        row = db.execute("SELECT id FROM launches WHERE flow_run_id = ?", (run_id,)).fetchone()
    assert row, f"no launch in the ledger for flow run {run_id}"
    return int(row[0])


def ledger_rows(server: Server, sql: str, *args: object) -> list[tuple[Any, ...]]:
    import sqlite3

    with sqlite3.connect(server.home / "ledger.db") as db:
        return db.execute(sql, args).fetchall()


def run_id_from(output: str) -> str:
    line = next(ln for ln in output.splitlines() if "UUID:" in ln)
    return line.split("UUID:")[1].strip()


def start_staged(server: Server, request: dict[str, Any]) -> tuple[str, int]:
    """Start a soft staged launch in environment e2e; its flow run and launch, once suspended."""
    body = json.dumps({"variant": "soft", "environment": "e2e", **request})
    done = server.cli(
        "prefect", "deployment", "run", "staged-launch/staged-launch", "-p", f"request={body}"
    )
    assert done.returncode == 0, done.stderr
    run_id = run_id_from(done.stdout)
    server.wait_state(run_id, "Suspended")
    return run_id, launch_id_of(server, run_id)


def wait_for_stage_two(server: Server, run_id: str, launch: int) -> None:
    """Stage 2's gates recorded, and the run suspended again, waiting for stage 3."""
    deadline = time.monotonic() + 240
    query = "SELECT 1 FROM gate_runs WHERE launch_id = ? AND gate = 'smoke'"
    while not ledger_rows(server, query, launch):
        assert time.monotonic() < deadline, "stage 2 never ran after the approval"
        time.sleep(1)
    server.wait_state(run_id, "Suspended")


def test_four_deployments_and_the_nightly_schedule(server: Server) -> None:
    names = {(d["name"]) for d in server.post("/deployments/filter", {})}
    assert {"full-launch", "soft-launch", "staged-launch", "nightly-rehearsal"} <= names
    nightly = server.get("/deployments/name/staged-launch/nightly-rehearsal")
    (schedule,) = nightly["schedules"]
    assert schedule["schedule"]["cron"] == "0 2 * * *" and schedule["schedule"]["timezone"] == "UTC"
    assert schedule["active"] and nightly["parameters"]["request"]["rehearsal"] is True
    form = server.get(f"/deployments/{nightly['id']}")["parameter_openapi_schema"]
    assert "request" in form["properties"]  # the UI renders the request model as a form


def test_soft_launch_from_a_script_is_go_with_artifacts_and_ledger(server: Server) -> None:
    done = server.cli(
        "prefect",
        "deployment",
        "run",
        "launch/soft-launch",
        "-p",
        'request={"variant": "soft", "environment": "e2e", "rehearsal": true}',
        "--watch",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    run_id = run_id_from(done.stdout)
    artifacts = server.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}})
    keys = {a["key"] for a in artifacts}
    assert {
        "gate-configure",
        "gate-deploy",
        "gate-smoke",
        "launch-scorecard",
        "launch-report",
    } <= keys
    report = next(a for a in artifacts if a["key"] == "launch-report")
    assert report["data"].startswith("# GO: azora soft rehearsal to e2e-rehearsal")
    launch = launch_id_of(server, run_id)
    assert ledger_rows(server, "SELECT verdict, rehearsal FROM launches WHERE id = ?", launch) == [
        ("GO", 1)
    ]


def test_a_no_go_launch_exits_non_zero(server: Server, target: Path) -> None:
    env_file = target.parent / ".env.production"
    env_file.write_text(env_file.read_text().replace("JWT_SECRET=", "JWT_SECRET=changeme\n#", 1))
    done = server.cli(
        "deployments/launch.sh", "soft-launch", "e2e", "--rehearsal", "--manifest", str(target)
    )
    assert done.returncode != 0, done.stdout[-2000:]
    run_id = run_id_from(done.stdout)
    assert server.state(run_id) == ("FAILED", "Failed")
    verdict = ledger_rows(
        server, "SELECT verdict, reasons FROM launches WHERE flow_run_id = ?", run_id
    )
    assert verdict[0][0] == "NO-GO" and verdict[0][1].startswith("configure: ")


def test_staged_launch_suspends_is_approved_through_the_api_and_an_abort_rolls_back(
    server: Server,
) -> None:
    run_id, launch = start_staged(server, {})  # stage 1 done, suspended; the worker is free
    assert (
        ledger_rows(
            server, "SELECT count(*) FROM gate_runs WHERE launch_id = ? AND stage = 1", launch
        )[0][0]
        >= 4
    )
    resumed = server.post(
        f"/flow_runs/{run_id}/resume",
        {"run_input": {"approver": "api", "approve": True, "note": "hour 1 ok"}},
    )
    assert resumed.get("status") == "ACCEPT", resumed
    wait_for_stage_two(server, run_id, launch)  # deployed; suspended again for stage 3
    assert httpx.get("http://127.0.0.1:18102/health", timeout=5).status_code == 200

    aborted = server.cli(
        sys.executable,
        "-m",
        "golive.cli",
        "approve",
        run_id,
        "--abort",
        "--approver",
        "ben",
        "--note",
        "p95 too close to the limit",
    )
    assert aborted.returncode == 0, aborted.stderr
    assert server.wait_state(run_id, "Failed", "Completed") == "Failed"
    with pytest.raises(httpx.ConnectError):
        httpx.get("http://127.0.0.1:18102/health", timeout=5)  # stage 2's release rolled back
    decisions = ledger_rows(
        server,
        "SELECT stage, approver, approved, note FROM approvals WHERE launch_id = ? ORDER BY stage",
        launch,
    )
    assert decisions == [(2, "api", 1, "hour 1 ok"), (3, "ben", 0, "p95 too close to the limit")]


def test_the_ui_renders_a_finished_flow_run(server: Server, tmp_path: Path, require) -> None:  # type: ignore[no-untyped-def]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        require("chromium is not installed: apt-get install chromium")
    runs = server.post(
        "/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}, "limit": 1}
    )
    assert runs, "no finished flow run to look at"
    run = runs[0]
    url = server.api.removesuffix("/api") + f"/runs/flow-run/{run['id']}"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=20000",
        "--window-size=1400,1000",
    ]
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    ).stdout
    assert run["name"] in dom, "the flow run page did not render the run"
    shot = Path(os.environ.get("GOLIVE_TEST_EVIDENCE", tmp_path)) / "flow-run-page.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [chromium, *flags, f"--screenshot={shot}", url],
        capture_output=True,
        timeout=180,
        check=False,
    )
    assert shot.is_file() and shot.stat().st_size > 10_000
    print(f"screenshot of the flow run page: {shot}")


def test_a_suspended_stage_past_its_deadline_is_aborted_and_rolled_back(server: Server) -> None:
    run_id, launch = start_staged(server, {"approval_timeout_s": 20})
    server.post(
        f"/flow_runs/{run_id}/resume",
        {"run_input": {"approver": "api", "approve": True, "note": "in time"}},
    )
    wait_for_stage_two(server, run_id, launch)  # deployed; suspended again for stage 3
    assert httpx.get("http://127.0.0.1:18102/health", timeout=5).status_code == 200
    assert server.wait_state(run_id, "Failed", "Completed", timeout=300) == "Failed"
    decisions = ledger_rows(
        server,
        "SELECT stage, approver, approved, note FROM approvals WHERE launch_id = ? ORDER BY stage",
        launch,
    )
    assert decisions == [(2, "api", 1, "in time"), (3, "golive", 0, "no approval within 20s")]
    with pytest.raises(httpx.ConnectError):
        httpx.get("http://127.0.0.1:18102/health", timeout=5)  # stage 2 rolled back
