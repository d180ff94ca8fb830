"""golive as its users run it: a real `prefect server`, the deployments from prefect.yaml, a
process worker, launches started with `prefect deployment run --watch`, a staged launch that
suspends on its deployment and is approved through the API, and the UI in headless Chromium.

One server and one worker serve most of the module (each takes seconds to start); the test of
the plain Prefect commands starts its own, so that its worker alone serves the pool.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from golive import runner, transient
from golive.gates.migrate import current_revision
from golive.ports import free_port
from tests.conftest import copy_example, port, postgres_database

pytestmark = pytest.mark.slow
# The tests that share the module's server run on one pytest-xdist worker (`--dist loadgroup`):
# one server and one deployment set-up, not one per worker.
SHARES_THE_SERVER = pytest.mark.xdist_group("prefect-server")
REPO = Path(__file__).resolve().parents[2]
WORKER = [sys.executable, "-m", "prefect", "worker", "start", "--pool", "golive"]


@dataclass
class Server:
    api: str
    env: dict[str, str]
    home: Path  # the GOLIVE_HOME its launches keep their state in
    logs: Path
    processes: ExitStack
    staged: list[str] = field(default_factory=list)  # staged flow runs a test started

    # A busy server on SQLite may answer 503 now and then: such answers are tried again.
    def get(self, path: str) -> Any:
        return transient.request("GET", self.api + path, timeout=10).json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return transient.request("POST", self.api + path, json=body, timeout=10).json()

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

    def cli(
        self, *argv: str, cwd: Path = REPO, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(argv),
            cwd=cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def start(self, name: str, argv: list[str], cwd: Path) -> None:
        """Start a long-running process against this server, its output in logs/NAME.log; it is
        stopped, with everything it started, when the server is."""
        proc = runner.start(argv, cwd=cwd, env=self.env, log_path=self.logs / f"{name}.log")
        self.processes.callback(runner.stop_group, proc.pid, 20)


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


def bring_down(home: Path, env: dict[str, str]) -> None:
    """Stop whatever a launch left running in any environment of a golive home."""
    for environment in sorted(p.name for p in (home / "environments").glob("*")):
        subprocess.run(
            [sys.executable, "-m", "golive.cli", "down", "--environment", environment],
            env={**env, "GOLIVE_HOME": str(home)},
            cwd=REPO,
            capture_output=True,
            check=False,
            timeout=120,
        )


@contextmanager
def prefect_server(root: Path, home: Path, *, home_in_env: bool = True) -> Iterator[Server]:
    """A `prefect server start` on a free port, its database a new PostgreSQL one. Launches keep
    their state in home: given to every process as GOLIVE_HOME, or (home_in_env=False) where
    their working directory puts golive's default. On exit, even after a failure, every process
    started through the server is stopped and every environment in home brought down.

    Not SQLite, Prefect's default: on a busy machine its server held SQLite's write lock for a
    minute, answered a `prefect deployment run` with 503 after it had created the run, and the
    client's retry created the same run again (the second was refused: environment busy)."""
    port = free_port()
    env = runner.child_env(
        {
            "PREFECT_HOME": str(root / "prefect"),
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
        }
    )
    for name in ("PREFECT_PROFILES_PATH", "GOLIVE_HOME", "GOLIVE_LEDGER_URL"):
        env.pop(name, None)
    if home_in_env:
        env["GOLIVE_HOME"] = str(home)
    with ExitStack() as processes:
        database = make_url(processes.enter_context(postgres_database()))
        asyncpg = database.set(drivername="postgresql+asyncpg")
        env["PREFECT_API_DATABASE_CONNECTION_URL"] = asyncpg.render_as_string(hide_password=False)
        processes.callback(bring_down, home, env)
        srv = Server(f"http://127.0.0.1:{port}/api", env, home, root / "logs", processes)
        serve = ["server", "start", "--host", "127.0.0.1", "--port", str(port)]
        srv.start("server", [sys.executable, "-m", "prefect", *serve], cwd=root)
        wait_healthy(f"http://127.0.0.1:{port}/api/health")
        yield srv


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Deployed with deployments/deploy.py; the worker, started outside the project folder,
    gives its runs GOLIVE_HOME from its environment.

    Session-wide, not module-wide: a pytest-xdist worker runs its tests in the order they come,
    modules interleaved, and a module fixture is made again each time its module comes back
    (about 50 s each: a server, four deployments and a worker)."""
    root = tmp_path_factory.mktemp("prefect-server")
    with prefect_server(root, root / "golive-home") as srv:
        deployed = srv.cli(sys.executable, "deployments/deploy.py")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        srv.start("worker", WORKER, cwd=root)
        yield srv


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
    """Start a soft staged launch in environment e2e of a copy of the example (on this test
    worker's ports); its flow run and launch, once suspended."""
    manifest = copy_example(server.home.parent / f"azora-{len(server.staged)}-{time.time_ns()}")
    body = json.dumps(
        {"variant": "soft", "environment": "e2e", "manifest": str(manifest), **request}
    )
    done = server.cli(
        "prefect", "deployment", "run", "staged-launch/staged-launch", "-p", f"request={body}"
    )
    assert done.returncode == 0, done.stderr
    run_id = run_id_from(done.stdout)
    server.staged.append(run_id)  # stopped after the test, however it ends
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


FINAL = {"COMPLETED", "FAILED", "CANCELLED", "CRASHED"}


def leave_nothing_waiting(server: Server) -> None:
    """After a test, pass or fail: every staged run it started and left waiting is cancelled,
    and environment e2e put back and freed, so the next test is never refused."""
    waiting = [run for run in server.staged if server.state(run)[0] not in FINAL]
    for run in waiting:
        server.post(
            f"/flow_runs/{run}/set_state",
            {"state": {"type": "CANCELLED", "message": "test teardown"}, "force": True},
        )
    server.staged.clear()
    golive = [sys.executable, "-m", "golive.cli"]
    if waiting and server.cli(*golive, "recover", "--environment", "e2e").returncode != 0:
        server.cli(*golive, "unlock", "--environment", "e2e", "--reason", "test teardown")
        server.cli(*golive, "down", "--environment", "e2e")


@pytest.fixture(autouse=True)
def nothing_left_waiting(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        leave_nothing_waiting(request.getfixturevalue("server"))


@SHARES_THE_SERVER
def test_four_deployments_and_the_nightly_schedule(server: Server) -> None:
    names = {(d["name"]) for d in server.post("/deployments/filter", {})}
    assert {"full-launch", "soft-launch", "staged-launch", "nightly-rehearsal"} <= names
    nightly = server.get("/deployments/name/staged-launch/nightly-rehearsal")
    (schedule,) = nightly["schedules"]
    assert schedule["schedule"]["cron"] == "0 2 * * *" and schedule["schedule"]["timezone"] == "UTC"
    assert schedule["active"] and nightly["parameters"]["request"]["rehearsal"] is True
    form = server.get(f"/deployments/{nightly['id']}")["parameter_openapi_schema"]
    assert "request" in form["properties"]  # the UI renders the request model as a form


@SHARES_THE_SERVER
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


@SHARES_THE_SERVER
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


@SHARES_THE_SERVER
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
    assert httpx.get(f"http://127.0.0.1:{port(18102)}/health", timeout=5).status_code == 200

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
        httpx.get(
            f"http://127.0.0.1:{port(18102)}/health", timeout=5
        )  # stage 2's release rolled back
    # The run resumed twice (a new process each time) still knew what stage 1 migrated, from
    # the ledger's typed outputs, and put the database back where it was: empty.
    database = server.home / "environments" / "e2e" / "data" / "azora.db"
    assert current_revision(f"sqlite:///{database}") is None
    decisions = ledger_rows(
        server,
        "SELECT stage, approver, approved, note FROM approvals WHERE launch_id = ? ORDER BY stage",
        launch,
    )
    assert decisions == [(2, "api", 1, "hour 1 ok"), (3, "ben", 0, "p95 too close to the limit")]


def a_finished_run(server: Server) -> dict[str, Any]:
    """A completed flow run of the server: one an earlier test left, else a soft rehearsal."""
    completed = {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}, "limit": 1}
    if not server.post("/flow_runs/filter", completed):
        request = 'request={"variant": "soft", "environment": "e2e", "rehearsal": true}'
        done = server.cli("prefect", "deployment", "run", "launch/soft-launch", "-p", request)
        assert done.returncode == 0, done.stderr
        server.wait_state(run_id_from(done.stdout), "Completed")
    runs = server.post("/flow_runs/filter", completed)
    assert runs, "no finished flow run to look at"
    return dict(runs[0])


@SHARES_THE_SERVER
def test_the_ui_renders_a_finished_flow_run(server: Server, tmp_path: Path, require) -> None:  # type: ignore[no-untyped-def]
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        require("chromium is not installed: apt-get install chromium")
    run = a_finished_run(server)
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


@SHARES_THE_SERVER
def test_a_suspended_stage_past_its_deadline_is_aborted_and_rolled_back(server: Server) -> None:
    run_id, launch = start_staged(server, {"approval_timeout_s": 20})
    server.post(
        f"/flow_runs/{run_id}/resume",
        {"run_input": {"approver": "api", "approve": True, "note": "in time"}},
    )
    wait_for_stage_two(server, run_id, launch)  # deployed; suspended again for stage 3
    assert httpx.get(f"http://127.0.0.1:{port(18102)}/health", timeout=5).status_code == 200
    assert server.wait_state(run_id, "Failed", "Completed", timeout=300) == "Failed"
    decisions = ledger_rows(
        server,
        "SELECT stage, approver, approved, note FROM approvals WHERE launch_id = ? ORDER BY stage",
        launch,
    )
    assert decisions == [(2, "api", 1, "in time"), (3, "golive", 0, "no approval within 20s")]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port(18102)}/health", timeout=5)  # stage 2 rolled back


def test_plain_prefect_commands_deploy_and_a_worker_elsewhere_launches_to_go(
    tmp_path: Path,
) -> None:
    """What Prefect's docs tell a user: `prefect work-pool create`, then `prefect deploy --all`
    from the project folder, then a worker started in another folder, with no GOLIVE_*
    variable anywhere. The project folder is a copy (prefect.yaml and the example; the flows
    come from the installed package), so the run's state lands in the copy's .golive, the
    documented default, and not in the checkout's."""
    project = tmp_path / "project"
    copy_example(project / "examples" / "azora")
    shutil.copy(REPO / "prefect.yaml", project / "prefect.yaml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with prefect_server(tmp_path / "server", project / ".golive", home_in_env=False) as srv:
        for argv in (
            ["prefect", "work-pool", "create", "golive", "--type", "process"],
            ["prefect", "deploy", "--all"],
        ):
            done = srv.cli(*argv, cwd=project)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        pull = srv.get("/deployments/name/launch/soft-launch")["pull_steps"]
        workdir = {"directory": str(project.resolve())}
        assert pull == [{"prefect.deployments.steps.set_working_directory": workdir}]

        srv.start("worker", WORKER, cwd=elsewhere)
        done = srv.cli(
            "prefect",
            "deployment",
            "run",
            "launch/soft-launch",
            "-p",  # no manifest: the default, examples/azora/launch.toml in the project folder
            'request={"variant": "soft", "environment": "e2e", "rehearsal": true}',
            "--watch",
            cwd=elsewhere,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        run_id = run_id_from(done.stdout)
        verdict = "SELECT verdict, environment FROM launches WHERE flow_run_id = ?"
        assert ledger_rows(srv, verdict, run_id) == [("GO", "e2e-rehearsal")]
    assert not (elsewhere / ".golive").exists()
