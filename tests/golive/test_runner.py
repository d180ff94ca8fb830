"""What golive's children get and are: a minimal environment, a umask that keeps their files
private, and a mark that tells golive's own processes from others. Real children, no mocks."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from subprocess import Popen

import pytest

from golive import runner
from tests.conftest import mode

PRINT_ENV = "import json, os; print(json.dumps(dict(os.environ)))"


def env_of_child(env: dict[str, str]) -> dict[str, str]:
    done = runner.run([sys.executable, "-c", PRINT_ENV], env=env, timeout=60)
    assert done.ok, done.tail()
    return dict(json.loads(done.stdout))


def test_a_child_gets_the_minimal_environment_and_nothing_else_of_ours(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOLIVE_CANARY_TOKEN", "canary-0123456789")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("WANTED_SETTING", "wanted")
    env = env_of_child(runner.child_env({"EXTRA": "1"}, pass_env=["WANTED_SETTING", "UNSET_ONE"]))
    assert "GOLIVE_CANARY_TOKEN" not in env and "UNSET_ONE" not in env
    assert env["TZ"] == "UTC" and env["WANTED_SETTING"] == "wanted" and env["EXTRA"] == "1"
    assert env["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)
    allowed = {*runner.HOST_KEYS, "PATH", "PYTHONUNBUFFERED", "WANTED_SETTING", "EXTRA"}
    # What the interpreter itself sets at start-up (e.g. LC_CTYPE on some platforms) aside.
    assert set(env) - allowed <= {"LC_CTYPE", "__CF_USER_TEXT_ENCODING"}, set(env) - allowed


def test_the_targets_tools_also_get_tmpdir_and_the_manifests_keys(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("GOLIVE_CANARY_TOKEN", "canary-0123456789")
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    env = runner.target_env(["PIP_INDEX_URL"], {"DATABASE_URL": "sqlite:///x.db"})
    assert env["TMPDIR"] == str(tmp_path) and env["DATABASE_URL"] == "sqlite:///x.db"
    assert env["PIP_INDEX_URL"] == "http://127.0.0.1:9/simple"
    assert "GOLIVE_CANARY_TOKEN" not in env


@pytest.mark.usefixtures("permissive_umask")
def test_what_a_child_creates_is_private(tmp_path: Path) -> None:
    make = "import os, sys; os.mkdir(sys.argv[1]); open(sys.argv[2], 'w').write('data')"
    folder, data = tmp_path / "made", tmp_path / "data.txt"
    done = runner.run([sys.executable, "-c", make, str(folder), str(data)], timeout=60)
    assert done.ok, done.tail()
    log = tmp_path / "logs" / "service.log"
    proc = runner.start([sys.executable, "-c", "print('up')"], cwd=tmp_path, env={}, log_path=log)
    assert proc.wait(timeout=60) == 0
    assert mode(folder) == 0o700 and mode(data) == 0o600
    assert mode(log) == 0o600 and log.read_text() == "up\n"


SLEEP = [sys.executable, "-c", "import time; time.sleep(600)"]
HAS_PROC = Path("/proc/self/environ").is_file()


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[Popen[bytes], str]]:
    mark = runner.new_mark()
    proc = runner.start(
        SLEEP, cwd=tmp_path, env=runner.child_env(), log_path=tmp_path / "log", mark=mark
    )
    yield proc, mark
    proc.kill()
    proc.wait()


def test_a_process_golive_started_is_its_own(started: tuple[Popen[bytes], str]) -> None:
    proc, mark = started
    assert runner.owned({"pid": proc.pid, "mark": mark})


@pytest.mark.skipif(not HAS_PROC, reason="a process's environment is readable on Linux only")
@pytest.mark.parametrize("state", [{"mark": "another"}, {"mark": ""}, {}])
def test_a_state_without_the_process_mark_is_not(
    started: tuple[Popen[bytes], str], state: dict[str, object]
) -> None:
    proc, _ = started
    assert not runner.owned({"pid": proc.pid, **state})


@pytest.mark.parametrize("pid", [0, -1, "x"])
def test_a_state_without_a_pid_is_not(pid: object) -> None:
    assert not runner.owned({"pid": pid, "mark": "m"})


def test_a_process_that_ended_is_not(tmp_path: Path) -> None:
    mark = runner.new_mark()
    proc = runner.start(
        [sys.executable, "-c", "pass"],
        cwd=tmp_path,
        env=runner.child_env(),
        log_path=tmp_path / "log",
        mark=mark,
    )
    proc.wait()
    assert not runner.owned({"pid": proc.pid, "mark": mark})


def test_a_targets_child_has_the_targets_interpreter_first_on_path(tmp_path: Path) -> None:
    python = tmp_path / "venv" / "bin" / "python"
    env = runner.target_env([], python=python)
    assert env["PATH"].split(os.pathsep)[0] == str(python.parent)
    assert runner.child_env()["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)


# A service that ignores SIGTERM (only SIGKILL stops it); it says when its handler is set.
STUBBORN = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(600)"
)


def test_stop_groups_stops_them_all_and_kills_those_that_ignore_sigterm(tmp_path: Path) -> None:
    def start(argv: list[str], name: str) -> Popen[bytes]:
        log = tmp_path / f"{name}.log"
        return runner.start(argv, cwd=tmp_path, env=runner.child_env(), log_path=log)

    polite, stubborn = start(SLEEP, "polite"), start([sys.executable, "-c", STUBBORN], "stubborn")
    gone = start([sys.executable, "-c", "pass"], "gone")
    gone.wait(timeout=60)
    try:
        deadline = time.monotonic() + 60  # a bound for a slow machine, not a timing assertion
        while (tmp_path / "stubborn.log").read_text() != "ready\n":
            assert time.monotonic() < deadline, "the stubborn service never set its handler"
            time.sleep(0.05)
        was_alive = runner.stop_groups([polite.pid, stubborn.pid, gone.pid], grace_s=1)
        assert was_alive == [True, True, False]
        assert not runner.alive(polite.pid)  # ended on SIGTERM (and reaped by alive)
        assert stubborn.wait(timeout=60) == -signal.SIGKILL  # only SIGKILL could stop it
    finally:
        for proc in (polite, stubborn):
            proc.kill()
            proc.wait()
