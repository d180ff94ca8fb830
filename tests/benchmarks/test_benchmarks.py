"""Each benchmark script runs end to end in its quick mode and prints its ratio line.

Only that it runs and reports is checked: timings depend on the machine, so no test asserts
on them (the benchmarks print ratios for a person to read).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = REPO_ROOT / "benchmarks"


def run_quick(script: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """The benchmark in its quick mode; timeout: a bound for a broken run, not a measure."""
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_smoke_concurrency_prints_its_ratio() -> None:
    done = run_quick("smoke_concurrency.py")
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"^ratio sequential/gate: \d+(\.\d+)?x$", done.stdout, re.M), done.stdout
    assert "100 check(s) passed" in done.stdout


def test_load_vs_wrk_prints_its_ratio(require: Callable[[str], NoReturn]) -> None:
    if shutil.which("wrk") is None:
        require("wrk not found on PATH (apt-get install -y wrk); the benchmark compares with it")
    done = run_quick("load_vs_wrk.py")
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"^ratio locust/wrk: \d+\.\d+$", done.stdout, re.M), done.stdout
    assert re.search(r"^locust +\d+\.\d req/s", done.stdout, re.M)
    assert re.search(r"^wrk +\d+\.\d req/s", done.stdout, re.M)


def test_load_vs_wrk_without_wrk_says_how_to_install_and_exits_2() -> None:
    bare_path = str(REPO_ROOT / "benchmarks")  # a PATH with no wrk on it
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "load_vs_wrk.py"), "--quick"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": bare_path},
    )
    assert done.returncode == 2
    assert "apt-get install -y wrk" in done.stderr


def test_redaction_prints_its_ratio_and_finds_every_piece() -> None:
    done = run_quick("redaction.py")
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"^ratio redactor/replace: \d+\.\dx$", done.stdout, re.M), done.stdout
    assert "URL-encoded: 40 found" in done.stdout  # a fragment and a base64 of each secret


def test_cli_startup_prints_its_ratio_lines() -> None:
    done = run_quick("cli_startup.py")
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("golive --help", "golive run bogus"):
        assert re.search(rf"^ratio {name}/python: \d+\.\dx$", done.stdout, re.M), done.stdout


def test_launch_overhead_prints_its_ratios() -> None:
    """Five soft rehearsals against one managed server, the last without the warm process: it
    runs and prints the goal ratios and each gate's durations."""
    done = run_quick("launch_overhead.py", timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert re.search(r"^ratio cold wall/cold sum: \d+\.\d+", done.stdout, re.M), done.stdout
    assert re.search(r"^ratio warm wall/cold sum: \d+\.\d+", done.stdout, re.M), done.stdout
    assert re.search(r"^config error +NO-GO", done.stdout, re.M), done.stdout
    assert re.search(r"^warm +GO", done.stdout, re.M), done.stdout
    assert re.search(r"^config error, no warm process +NO-GO", done.stdout, re.M), done.stdout
    assert re.search(r"^configure +\d+\.\d+ +\d+\.\d+", done.stdout, re.M), done.stdout


def test_zero_downtime_prints_both_modes_side_by_side() -> None:
    """Soft launches of the example with and without the proxy: it runs, each mode's verdicts
    are the expected ones, and every launch and service has its failed probes and gap."""
    from tests.conftest import example_venv
    from tests.golive.proxy.test_nginx import nginx_or_missing

    example_venv()
    nginx_or_missing()
    done = run_quick("zero_downtime.py", timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    for mode in ("nginx proxy", "one at a time"):
        assert f"{mode}: verdicts a NO-GO, b GO" in done.stdout, done.stdout
    for launch in ("a: api fails health", "b: api changed, good"):
        for service in ("api", "payments"):
            row = rf"^{launch} +{service} +(\d+/\d+ +\d+ms +){{2}}\d+/\d+$"
            assert re.search(row, done.stdout, re.M), done.stdout
