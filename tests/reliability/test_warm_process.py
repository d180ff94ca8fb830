"""Fault tests of golive's warm process (golive.warm_process): a launch it runs for a `golive`
command is that command's, in life and death.

kill -9 of the command kills the launch (a rerun takes over and recovers, as without a warm
process); Ctrl-C of the command undoes the launch and it exits 130. A golive of other imports
(another Prefect logging setting) runs its launch itself and the warm process goes on; after an
edit of golive's code (in a copy both import) the warm process runs nothing and exits. Which
process ran a launch is read from /proc: the launch's parent is the warm process. Real
processes, real SQLite and alembic; every wait is on a condition, never a fixed sleep.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive import runner, warm_process
from tests.conftest import REPO_ROOT, missing, run_golive
from tests.reliability.blocked_launches import (
    Launches,
    assert_interrupted_and_undone,
    assert_recovered_and_go,
    block_after_a_go_launch,
    launches_with,
    wait_for,
)

pytestmark = pytest.mark.slow


def own_warm_process(home: Path) -> dict[str, str]:
    """The environment that sends a golive to the test's warm process (not the session's)."""
    return {warm_process.OFF_ENV: str(home / "warm-process")}


@pytest.fixture
def launches(target: Path, golive_home: Path) -> Iterator[Launches]:
    yield from launches_with(target, golive_home, own_warm_process(golive_home))


@pytest.fixture
def warm(golive_home: Path) -> Iterator[int]:
    """A warm process for the test's GOLIVE_HOME (set in our environment); its pid."""
    state = warm_process.ensure_running(wait=True)
    yield int(state["pid"])
    warm_process.stop()


def parent_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("PPid:")).split()[1])


def run_state(pid: int) -> str:
    """R, S, T (stopped)...: the field after the command's name in /proc/PID/stat."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_kill_9_of_golive_kills_the_launch_the_warm_process_runs_for_it(
    launches: Launches, warm: int, target: Path, tmp_path: Path
) -> None:
    blocked = block_after_a_go_launch(launches, target, tmp_path, "tests")
    suite = int(blocked.marker.read_text())
    launch_process = parent_of(suite)
    assert parent_of(launch_process) == warm  # run by the warm process, not by golive itself
    killed = max(launch.id for launch in launches.ledger().recent_launches())
    launches.kill_9(blocked.proc, suite_pid=suite)  # waits for the suite: it dies with the launch
    assert not runner.alive(launch_process)
    assert runner.alive(warm)  # which goes on serving

    blocked.gate.touch()
    rerun = launches.run()
    assert_recovered_and_go(launches, killed, rerun)
    log = (warm_process.folder() / "warm.log").read_text()
    assert "Beginning flow run" not in log  # the launches' output went to their commands
    assert "Beginning flow run" in rerun.stdout + rerun.stderr


def test_ctrl_z_and_ctrl_c_of_golive_reach_the_launch_the_warm_process_runs(
    launches: Launches, warm: int, target: Path, tmp_path: Path
) -> None:
    blocked = block_after_a_go_launch(launches, target, tmp_path, "smoke")
    holder = launches.ledger().lock_holder("production")
    assert holder is not None and holder.holder_pid is not None
    launch_process = holder.holder_pid
    assert parent_of(launch_process) == warm
    # Ctrl-Z stops golive and its launch; `fg` (SIGCONT) continues both
    blocked.proc.send_signal(signal.SIGTSTP)
    both = (blocked.proc.pid, launch_process)
    wait_for(lambda: all(run_state(p) == "T" for p in both), "golive and its launch to stop")
    blocked.proc.send_signal(signal.SIGCONT)
    wait_for(lambda: all(run_state(p) != "T" for p in both), "golive and its launch to go on")
    blocked.proc.send_signal(signal.SIGINT)  # to golive alone: it passes Ctrl-C on
    code = blocked.proc.wait(timeout=300)
    blocked.gate.touch()
    assert_interrupted_and_undone(launches, blocked, code)


def config_error(target: Path) -> None:
    """The target's launch ends NO-GO at configure: a placeholder secret."""
    env_file = target.parent / ".env.production"
    env_file.write_text(env_file.read_text().replace("JWT_SECRET=", "JWT_SECRET=changeme\n#", 1))


def test_a_golive_of_other_imports_runs_its_launch_itself_and_the_warm_process_goes_on(
    warm: int, golive_home: Path, target: Path
) -> None:
    config_error(target)
    level = "ERROR" if os.environ.get("PREFECT_LOGGING_LEVEL") == "WARNING" else "WARNING"
    done = run_golive(
        "run", "soft", "--manifest", str(target), home=golive_home,
        # Prefect's logging is set up as it is imported
        env={"PREFECT_LOGGING_LEVEL": level, **own_warm_process(golive_home)},
    )  # fmt: skip
    assert done.returncode == 1, (done.stdout + done.stderr)[-4000:]  # NO-GO at configure
    assert "JWT_SECRET still holds a placeholder" in done.stdout
    log = (warm_process.folder() / "warm.log").read_text()
    assert "a golive of other code or imports runs itself" in log
    assert runner.alive(warm) and warm_process.ready()


def test_a_launch_it_runs_logs_in_the_commands_time_zone(
    warm: int, golive_home: Path, target: Path
) -> None:
    """Python reads TZ once, as it starts, and the warm process started without this one: its
    fork reads the command's again, so the launch's log lines carry the command's local times
    (a fixed offset, UTC+5:30, that needs no time zone data)."""
    config_error(target)
    before = datetime.now(UTC)
    done = run_golive(
        "run", "soft", "--manifest", str(target), home=golive_home,
        env={"TZ": "GLV-5:30", **own_warm_process(golive_home)},
    )  # fmt: skip
    after = datetime.now(UTC)
    assert done.returncode == 1, (done.stdout + done.stderr)[-4000:]  # NO-GO at configure
    assert "runs itself" not in (warm_process.folder() / "warm.log").read_text()
    stamps = set(re.findall(r"^(\d\d:\d\d):\d\d\.\d+ \| INFO", done.stdout + done.stderr, re.M))
    offset = timedelta(hours=5, minutes=30)
    minutes = int((after - before).total_seconds() // 60) + 1
    local = {(before + offset + timedelta(minutes=m)).strftime("%H:%M") for m in range(minutes + 1)}
    assert stamps and stamps <= local, (stamps, local)


def test_an_edit_of_golive_code_makes_the_warm_process_stale_and_it_exits(
    golive_home: Path, target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """golive, flows and tasks copied, and a warm process and golive importing that copy: an
    edit of the copy (as an upgrade or a developer's change) makes the warm process stale."""
    code = tmp_path / "code"
    for package in warm_process.PACKAGES:
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(REPO_ROOT / package, code / package, ignore=ignore)
    monkeypatch.setenv("PYTHONPATH", str(code))
    state = warm_process.ensure_running(wait=True)
    try:
        config_error(target)
        report = code / "golive" / "report.py"
        report.write_text(report.read_text() + "\n# edited\n")
        done = run_golive(
            "run", "soft", "--manifest", str(target), home=golive_home,
            env=own_warm_process(golive_home),
        )  # fmt: skip
        assert done.returncode == 1, (done.stdout + done.stderr)[-4000:]
        assert "JWT_SECRET still holds a placeholder" in done.stdout
        wait_for(lambda: not runner.alive(int(state["pid"])), "the stale warm process to exit", 60)
        assert "golive's code changed; exiting" in (warm_process.folder() / "warm.log").read_text()
        assert not (warm_process.folder() / "socket").exists()
    finally:
        warm_process.stop()


ANOTHER_USER = """
import os, socket, sys
from golive import warm_process

folder = os.open(sys.argv[1], os.O_PATH | os.O_DIRECTORY)  # reached as root, entered as nobody
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
    conn.connect(f"/proc/self/fd/{folder}/socket")
    payload = b'{"argv": ["run", "full"]}'
    socket.send_fds(conn, [warm_process.HEADER.pack(len(payload))], [0, 1, 2])
    try:
        conn.sendall(payload)
        answer = conn.recv(64)
    except (BrokenPipeError, ConnectionResetError):  # closed as soon as the header was read
        answer = b""
    print("answer:", answer)
"""


def test_a_request_from_another_user_is_refused(warm: int) -> None:
    """The warm process's folder is its user's only; were it reachable (opened up here), a
    request from another user (uid 65534, nobody) is still refused: closed unanswered."""
    if os.getuid() != 0:
        missing("sending a request as another user (uid 65534) needs root")
    folder = warm_process.folder()
    folder.chmod(0o711)
    (folder / "socket").chmod(0o666)
    done = subprocess.run(
        [sys.executable, "-c", ANOTHER_USER, str(folder)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "answer: b''", done.stdout
    log = folder / "warm.log"
    wait_for(lambda: "refused a request from uid 65534" in log.read_text(), "the refusal", 60)
    assert warm_process.ready() and runner.alive(warm)


def test_a_malformed_request_is_dropped_and_leaks_no_descriptor(warm: int) -> None:
    """Three descriptors and a request that is not JSON, then one that is not an object: the
    warm process drops both, says so in its log, closes what it was sent and goes on."""

    def fds() -> int:
        return len(os.listdir(f"/proc/{warm}/fd"))

    counts = []
    for payload in (b"not json", b"[1, 2]"):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            with warm_process.socket_address(warm_process.folder() / "socket") as address:
                conn.connect(address)
            socket.send_fds(conn, [warm_process.HEADER.pack(len(payload))], [0, 1, 2])
            conn.sendall(payload)
            # Closed without an answer; by then it has closed all it had of this request (it
            # serves one connection at a time, so earlier ones are done too).
            assert conn.recv(1) == b""
        counts.append(fds())
    log = warm_process.folder() / "warm.log"
    wait_for(lambda: log.read_text().count("a request was dropped") == 2, "both drops", 60)
    assert counts[1] == counts[0]
    assert warm_process.ready() and runner.alive(warm)
