"""Launches stopped where a test wants them, to be killed or interrupted there: a test suite or
a smoke check that waits for a file the test creates (with a marker saying it got there), and
what a test checks afterwards. Used by the fault tests in this folder.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from golive import runner
from golive.backends.process import ProcessBackend
from golive.gates.migrate import current_revision
from golive.ledger import Ledger
from tests.conftest import add_nickname_revision, golive_argv, golive_env, run_golive

# Waits (bounded) until the test creates `gate`, after saying it started by creating `marker`;
# then reports one passing test as JUnit XML.
BLOCKER = """
import os, pathlib, sys, time
pathlib.Path(sys.argv[1]).write_text(str(os.getpid()))
deadline = time.monotonic() + 600
while not pathlib.Path(sys.argv[2]).exists() and time.monotonic() < deadline:
    time.sleep(0.1)
pathlib.Path("blocker.xml").write_text(
    '<testsuite name="blocker" tests="1"><testcase classname="b" name="waits"/></testsuite>'
)
"""

# A seed that adds a user named after its pid to the database of DATABASE_URL (SQLite), says
# so in `marker`, then waits (bounded) for `gate`.
SEEDER = """
import datetime, os, pathlib, sqlite3, sys, time
db = sqlite3.connect(os.environ["DATABASE_URL"].removeprefix("sqlite:///"))
db.execute(
    "INSERT INTO users (email, name, created_at) VALUES (?, ?, ?)",
    (f"seed-{os.getpid()}@example.com", f"seed-{os.getpid()}", datetime.datetime.now()),
)
db.commit()
pathlib.Path(sys.argv[1]).write_text(str(os.getpid()))
deadline = time.monotonic() + 600
while not pathlib.Path(sys.argv[2]).exists() and time.monotonic() < deadline:
    time.sleep(0.1)
"""

BLOCKING_ENDPOINT = """

@app.get("/golive-test-block")
def golive_test_block() -> dict:
    import pathlib, time

    pathlib.Path({marker!r}).touch()
    deadline = time.monotonic() + 600
    while not pathlib.Path({gate!r}).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return {{"blocked": False}}
"""


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 300) -> None:
    """Poll a condition (never a fixed sleep); the bound only keeps a broken run from hanging."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def launches_with(target: Path, home: Path, env: dict[str, str]) -> Iterator[Launches]:
    """For a fixture: Launches of `golive` with `env`, every one started killed at the end."""
    runs = Launches(target, home, env)
    yield runs
    for proc in runs.started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


class Launches:
    """`golive run soft` in processes of their own, against one GOLIVE_HOME."""

    def __init__(self, target: Path, home: Path, env: dict[str, str] | None = None) -> None:
        self.target, self.home, self.env = target, home, env
        self.db = f"sqlite:///{home / 'environments' / 'production' / 'data' / 'azora.db'}"
        self.started: list[subprocess.Popen[str]] = []

    def run(self) -> subprocess.CompletedProcess[str]:
        return run_golive(
            "run", "soft", "--manifest", str(self.target), home=self.home, env=self.env
        )

    def start(self, log: Path) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            golive_argv("run", "soft", "--manifest", str(self.target)),
            env=golive_env(self.home, self.env),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.started.append(proc)
        return proc

    def kill_9(self, proc: subprocess.Popen[str], suite_pid: int | None = None) -> None:
        """kill -9 of golive alone. A suite it was running dies with it (its parent-death
        signal); then whatever else is left of its process group (the temporary Prefect server
        Prefect started) is killed too. The services it started run in sessions of their own."""
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)  # reaped: a later golive sees the process gone
        if suite_pid is not None:
            wait_for(lambda: not runner.alive(suite_pid), "the suite to die with golive", 30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    def revision(self) -> str | None:
        return current_revision(self.db)

    def ledger(self) -> Ledger:
        return Ledger(f"sqlite:///{self.home / 'ledger.db'}")


def block_in_smoke(target: Path, marker: Path, gate: Path) -> None:
    """The new api release gets an endpoint that waits for `gate`, and a critical smoke check
    calls it: the launch stops in Hour 2 with the new release deployed and the database
    migrated."""
    app = target.parent / "services" / "api" / "app.py"
    app.write_text(app.read_text() + BLOCKING_ENDPOINT.format(marker=str(marker), gate=str(gate)))
    target.write_text(
        target.read_text().replace(
            "[load]",
            '[[smoke]]\nname = "blocker"\nservice = "api"\nmethod = "GET"\n'
            'path = "/golive-test-block"\nexpect = 200\ncritical = true\n\n[load]',
            1,
        )
    )


def block_in_tests(target: Path, marker: Path, gate: Path) -> None:
    """A second test suite waits for `gate`: the launch stops in Hour 1 (migrate runs beside it)."""
    (target.parent / "blocker.py").write_text(BLOCKER)
    target.write_text(
        target.read_text().replace(
            "[[services]]",
            f'[[suites]]\nname = "blocker"\ncommand = "python blocker.py {marker} {gate}"\n'
            'junit = "blocker.xml"\ncritical = true\n\n[[services]]',
            1,
        )
    )


def block_in_seed(target: Path, marker: Path, gate: Path) -> None:
    """The manifest gets a seed that writes a row, then waits for `gate`: the launch stops in
    Hour 1 with the database upgraded and seeded part-way."""
    (target.parent / "seeder.py").write_text(SEEDER)
    seed = f'seed = "python {target.parent / "seeder.py"} {marker} {gate}"\n'
    target.write_text(target.read_text().replace("[database]\n", "[database]\n" + seed, 1))


def api_release(home: Path) -> str | None:
    return ProcessBackend(home / "environments" / "production").running().get("api")


def assert_recovered_and_go(
    launches: Launches, killed: int, rerun: subprocess.CompletedProcess[str]
) -> None:
    output = rerun.stdout + rerun.stderr
    assert rerun.returncode == 0, output[-4000:]
    assert f"launch {killed} holds production but its process" in output
    ledger = launches.ledger()
    crashed = ledger.launch(killed)
    assert crashed is not None and crashed.verdict == "CRASHED"
    assert "taken over by launch" in crashed.reasons
    assert any(e.action == "recover" and e.launch_id == killed for e in ledger.events("production"))
    assert launches.revision() == "0004"
    history = run_golive("history", home=launches.home)
    assert "CRASHED" in history.stdout


@dataclass(frozen=True)
class Blocked:
    """A launch started after a GO one and stopped where the test wanted it."""

    proc: subprocess.Popen[str]
    log: Path  # its output
    marker: Path  # created (in Hour 1: holding the blocked suite's or seed's pid) when it got there
    gate: Path  # the test creates it to let the launch go on
    good: str | None  # the api release the GO launch left live


def block_after_a_go_launch(
    launches: Launches, target: Path, tmp_path: Path, where: Literal["tests", "seed", "smoke"]
) -> Blocked:
    """A GO launch, then a new revision and a launch that stops in its tests (Hour 1, with the
    database migrated beside them), in its seed (Hour 1, migrated and seeded part-way) or in a
    critical smoke check (Hour 2, deployed)."""
    first = launches.run()
    assert first.returncode == 0, (first.stdout + first.stderr)[-4000:]
    good = api_release(launches.home)
    marker, gate, log = tmp_path / f"in-{where}", tmp_path / "go-on", tmp_path / "blocked.log"
    add_nickname_revision(target)
    {"tests": block_in_tests, "seed": block_in_seed, "smoke": block_in_smoke}[where](
        target, marker, gate
    )
    proc = launches.start(log)

    def there() -> bool:
        if where == "smoke":
            return marker.exists()
        return marker.exists() and marker.read_text() != "" and launches.revision() == "0004"

    wait_for(lambda: there() or proc.poll() is not None, f"the launch to get to {where}")
    assert proc.poll() is None, log.read_text()[-4000:]
    return Blocked(proc, log, marker, gate, good)


def assert_interrupted_and_undone(launches: Launches, blocked: Blocked, code: int) -> None:
    """After Ctrl-C: exit 130, the database and the live release as the GO launch left them."""
    output = blocked.log.read_text()
    assert code == 130, output[-4000:]
    assert "interrupted: the launch was undone" in output
    assert launches.revision() == "0003"
    assert api_release(launches.home) == blocked.good
    assert [la.verdict for la in launches.ledger().recent_launches()] == ["CRASHED", "GO"]
    live = launches.ledger().live_releases("production")
    assert live["api"].release.release_id == blocked.good
