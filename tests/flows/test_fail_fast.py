"""Fail fast and honest cached durations, on whole launches of altered copies of the example.

A blocking failure in Hour 1 cancels the gates still running (their commands killed) and
nothing is migrated; a gate taken from the cache says so and reports this run's time.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from flows.launch import run_launch
from golive import runner
from golive.ledger import open_ledger
from golive.request import LaunchRequest
from tests.flows.test_launch import artifacts, edit, gate, logs, set_env

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "golive_home")]

# A suite that would run for ten minutes: it writes its pid first, so the test can find it.
SLOW_SUITE = """import os, time
open("suite.pid.tmp", "w").write(str(os.getpid()))
os.rename("suite.pid.tmp", "suite.pid")
time.sleep(600)
"""


def add_slow_suite(target: Path) -> Path:
    (target.parent / "slow_suite.py").write_text(SLOW_SUITE)
    edit(
        target,
        "[[suites]]\n",
        '[[suites]]\nname = "slow"\ncommand = "python slow_suite.py"\n'
        'junit = ".golive-reports/slow.xml"\ncritical = true\ntimeout = 900\n\n[[suites]]\n',
    )
    return target.parent / "suite.pid"


def test_a_configure_failure_stops_the_running_suite_and_migrates_nothing(
    target: Path,
) -> None:
    pid_file = add_slow_suite(target)
    set_env(target, "JWT_SECRET", "changeme")
    report = run_launch(LaunchRequest(manifest=str(target), variant="full", rehearsal=False))

    assert report["verdict"] == "NO-GO"
    assert [r.split(":")[0] for r in report["reasons"]] == ["configure"], report["reasons"]
    tests = gate(report, "tests")
    assert tests["status"] == "skipped" and not tests["blocking"], tests
    assert tests["summary"] == "cancelled: configure failed"
    # The suite never started, or was killed: either way nothing of it runs on.
    if pid_file.exists():
        assert not runner.alive(int(pid_file.read_text()))
    # migrate starts only after configure passed: never after its failure.
    assert "migrate" not in [g["gate"] for g in report["gates"]]
    launch = next(x for x in open_ledger().recent_launches() if x.id == report["launch_id"])
    assert not launch.revision_recorded  # the migrate task never began
    assert "cancelled: configure failed" in artifacts(report)["gate-tests"].description


def gates_by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["gate"]: g for g in report["gates"]}


def test_a_cached_gate_says_so_and_reports_its_own_duration(target: Path) -> None:
    # Inputs no other test of the session has: an earlier launch of the example (whose audit
    # may finish before a fail-fast cancel) must not have filled this cache already.
    requirements = target.parent / "requirements.txt"
    requirements.write_text(requirements.read_text() + f"# {uuid.uuid4().hex}\n")
    request = LaunchRequest(manifest=str(target), variant="soft", rehearsal=True)
    first = gates_by_name(run_launch(request))
    report = run_launch(request)
    second = gates_by_name(report)
    assert report["verdict"] == "GO", report["reasons"]

    for name in ("audit", "tests"):
        assert first[name]["cached"] is False and first[name]["cached_at"] is None
        assert second[name]["cached"] is True, second[name]
        # Not the duration of the run that filled the cache: this run's own.
        assert second[name]["duration_s"] != first[name]["duration_s"]
        assert second[name]["cached_at"].endswith("+00:00")
    # Never cached: they check the world as it is now.
    assert second["configure"]["cached"] is False and second["migrate"]["cached"] is False
    note = f"cached, filled {second['tests']['cached_at']}"
    assert note in logs(report)
    assert note in artifacts(report)["gate-tests"].description
