"""Processes golive starts carry a mark, so a later golive signals only its own."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from subprocess import Popen

import pytest

from golive import runner

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
