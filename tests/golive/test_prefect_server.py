"""The Prefect API golive talks to: PREFECT_API_URL first, else its own local server, started
once, reused, restarted when its state file names a dead process, stopped on request."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from golive import prefect_server, runner
from tests.conftest import golive_argv


def golive_server(home: Path, *args: str) -> subprocess.Popen[str]:
    """`golive server ARGS` against a GOLIVE_HOME of its own, without PREFECT_API_URL."""
    env = {k: v for k, v in os.environ.items() if k != prefect_server.API_ENV}
    env |= {"GOLIVE_HOME": str(home), "PREFECT_HOME": str(home / "prefect")}
    return subprocess.Popen(
        golive_argv("server", *args),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def answer(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, out + err
    return out


def state_of(home: Path) -> dict[str, object]:
    return dict(json.loads((home / "prefect-server" / "state.json").read_text()))


def test_prefect_api_url_wins_and_nothing_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOLIVE_HOME", str(tmp_path))
    monkeypatch.setenv(prefect_server.API_ENV, "http://127.0.0.1:9/api")
    assert prefect_server.api_url() == "http://127.0.0.1:9/api"
    assert not (tmp_path / "prefect-server").exists()


def test_a_state_file_naming_a_dead_or_foreign_process_is_no_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOLIVE_HOME", str(tmp_path))
    folder = tmp_path / "prefect-server"
    folder.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    state = {"pid": dead.pid, "port": 9, "mark": runner.new_mark(), "started_at": time.time()}
    (folder / "state.json").write_text(json.dumps(state))
    assert prefect_server.read_state() is None
    # A live process that is not the server golive started (no mark of ours): not it either.
    (folder / "state.json").write_text(json.dumps({**state, "pid": os.getpid()}))
    assert prefect_server.read_state() is None


def test_ui_address_of_an_api_address() -> None:
    assert prefect_server.ui_url("http://127.0.0.1:4200/api") == "http://127.0.0.1:4200"
    assert prefect_server.ui_url("http://127.0.0.1:4200/api/") == "http://127.0.0.1:4200"


@pytest.mark.slow
def test_started_once_reused_restarted_when_dead_and_stopped(tmp_path: Path) -> None:
    home = tmp_path / "home"
    try:
        # Two golive commands starting at once start one server (the start lock).
        first, second = golive_server(home, "start"), golive_server(home, "start")
        outputs = answer(first), answer(second)
        state = state_of(home)
        pid, url = int(str(state["pid"])), f"http://127.0.0.1:{state['port']}"
        assert all(f"{url} (pid {pid})" in out for out in outputs), outputs
        assert prefect_server.healthy(f"{url}/api")
        # and one warm process beside it (golive.warm_process), ready when start returns
        warm = json.loads((home / "warm-process" / "state.json").read_text())
        assert all(f"warm process ready (pid {warm['pid']})" in out for out in outputs)
        assert runner.owned(warm)
        assert f"running: {url} pid {pid} up " in answer(golive_server(home, "status"))

        # The server dies behind golive's back: status says so, the next start replaces it.
        os.kill(pid, signal.SIGKILL)
        assert "not running" in answer(golive_server(home, "status"))
        answer(golive_server(home, "start"))
        new_pid = int(str(state_of(home)["pid"]))
        assert new_pid != pid and runner.owned(state_of(home))

        stopped = answer(golive_server(home, "stop"))
        assert f"stopped the Prefect server (pid {new_pid})" in stopped
        assert f"stopped the warm process (pid {warm['pid']})" in stopped
        assert not runner.alive(new_pid) and not runner.alive(int(warm["pid"]))
        assert "not running" in answer(golive_server(home, "status"))
    finally:
        golive_server(home, "stop").communicate(timeout=120)
