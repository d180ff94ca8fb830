"""Fault test: `golive run --temporary-server` killed with kill -9 leaves no Prefect server
behind. The temporary server is golive's child with a parent-death signal: the kernel kills it
with golive. Waits are on conditions (a marker file, a process gone), never fixed sleeps."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from golive import prefect_server, runner
from golive.warm_process import OFF_ENV
from tests.conftest import golive_argv, golive_env
from tests.reliability.blocked_launches import block_in_tests, wait_for

pytestmark = pytest.mark.slow

# golive runs the launch itself: the temporary server is its child (not a warm process's fork's).
IN_ITSELF = {OFF_ENV: "off"}


def running(pid: int) -> bool:
    """Whether pid is a live process (a zombie waiting for a parent to reap it is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def children_serving_prefect(parent: int) -> dict[int, int]:
    """The processes parent started that run `prefect server start`: pid -> port."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes().decode().split("\0")
        except OSError:
            continue
        serving = {"prefect", "server", "start", "--port"} <= set(argv)
        if serving and int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found[int(entry.name)] = int(argv[argv.index("--port") + 1])
    return found


def test_kill_9_of_a_temporary_server_run_leaves_no_server(
    target: Path, golive_home: Path, tmp_path: Path
) -> None:
    if not runner.dies_with_parent():
        pytest.fail("setpriv (util-linux) is missing: nothing would stop the server")
    marker, gate, log = tmp_path / "suite-started", tmp_path / "gate", tmp_path / "golive.log"
    block_in_tests(target, marker, gate)  # the launch waits in Hour 1, its flow run going
    argv = golive_argv("run", "soft", "--temporary-server", "--manifest", str(target))
    with log.open("w") as out:
        golive = subprocess.Popen(
            argv,
            env=golive_env(golive_home, IN_ITSELF),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(
            lambda: marker.exists() or golive.poll() is not None, "the launch to reach Hour 1", 600
        )
        assert marker.exists(), log.read_text()[-3000:]
        servers = children_serving_prefect(golive.pid)
        assert len(servers) == 1, servers
        ((server, port),) = servers.items()
        assert prefect_server.healthy(f"http://127.0.0.1:{port}/api")
        assert f"Prefect UI: http://127.0.0.1:{port}" in log.read_text()

        golive.send_signal(signal.SIGKILL)
        golive.wait(timeout=30)
        wait_for(lambda: not running(server), "the temporary server to die with golive", 60)
        assert not prefect_server.healthy(f"http://127.0.0.1:{port}/api")
    finally:
        gate.touch()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(golive.pid, signal.SIGKILL)


def test_a_temporary_server_run_ends_with_its_server_stopped_and_nothing_lost(
    target: Path, golive_home: Path
) -> None:
    done = subprocess.run(
        golive_argv("run", "soft", "--rehearsal", "--temporary-server", "--manifest", str(target)),
        env=golive_env(golive_home, IN_ITSELF),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    (port,) = re.findall(r"^Prefect UI: http://127\.0\.0\.1:(\d+)$", done.stdout, re.M)
    assert port not in golive_env(golive_home)["PREFECT_API_URL"]  # not the session's server
    assert not prefect_server.healthy(f"http://127.0.0.1:{port}/api")
    # Logs and events were sent while the server still answered, not at exit after it stopped.
    assert "Error logging to API" not in output and "connection attempts failed" not in output
