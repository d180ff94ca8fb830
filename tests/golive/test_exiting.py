"""golive.exiting: the command's exit skips the interpreter's teardown but nothing a normal exit
does that matters: non-daemon threads finish, atexit handlers run, buffered output is written,
and the exit status is what `sys.exit` would give."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from golive.exiting import exit_status


def run_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("code", "status"), [(None, 0), (0, 0), (1, 1), (3, 3), (130, 130), ("bye", 1)]
)
def test_exit_status_reads_the_code_as_sys_exit_does(code: object, status: int) -> None:
    assert exit_status(code) == status


# A thread still working when leave() is called, an atexit handler, a logging handler writing
# to a file, and output left in stdout's buffer (a pipe: block-buffered).
LEAVING = """
    import atexit, logging, sys, threading
    from golive.exiting import leave

    go = threading.Event()
    def work():
        go.wait()
        sys.stdout.write("thread finished\\n")
    threading.Thread(target=work).start()
    atexit.register(lambda: sys.stdout.write("atexit ran\\n"))
    logging.basicConfig(filename=sys.argv[1], level=logging.INFO)
    logging.getLogger("t").info("logged before exit")
    sys.stdout.write("buffered\\n")
    go.set()
    leave(int(sys.argv[2]))
"""


@pytest.mark.parametrize("status", [0, 1, 3])
def test_leave_waits_for_threads_runs_atexit_and_flushes(tmp_path: Path, status: int) -> None:
    log = tmp_path / "log.txt"
    done = run_python(LEAVING, str(log), str(status))
    assert done.returncode == status, done.stderr
    assert done.stdout.splitlines() == ["buffered", "thread finished", "atexit ran"]
    assert "logged before exit" in log.read_text()


def test_leave_with_a_message_prints_it_and_exits_1() -> None:
    done = run_python("from golive.exiting import leave\nleave('golive: error: no')")
    assert (done.returncode, done.stderr.strip()) == (1, "golive: error: no")


def test_the_command_exits_with_main_s_code_through_leave(tmp_path: Path) -> None:
    # `python -m golive.cli` goes through entry(): a usage error is still one line and exit 2.
    done = subprocess.run(
        [sys.executable, "-m", "golive.cli", "run", "nonsense"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("golive: error: ") and len(done.stderr.splitlines()) == 1
