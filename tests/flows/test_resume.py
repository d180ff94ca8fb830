"""`golive resume` on whole launches of a copy of the example: a launch NO-GO at smoke, fixed,
resumed: the Hour 1 gates whose inputs did not change are reused (their suite does not run
again), migrate runs again where the NO-GO put the database back and is reused where the
failed launch found it at head already, and the verdict is GO.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from flows.launch import run_launch
from golive.errors import InputError
from golive.ledger import open_ledger
from golive.request import LaunchRequest
from tests.conftest import SessionServer, run_golive

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "golive_home")]

# A test of the example's unit suite that leaves a line in a file outside the target each
# time the suite runs: a reused tests gate leaves none.
COUNTER = """from pathlib import Path


def test_counts_its_runs():
    with open(Path(__file__).resolve().parents[2] / "suite-runs.log", "a") as runs:
        runs.write("ran\\n")
"""


def counted(target: Path) -> Path:
    (target.parent / "tests" / "test_counter.py").write_text(COUNTER)
    return target.parent.parent / "suite-runs.log"


def break_payments(target: Path, broken: bool) -> None:
    """A critical smoke check (payment-processing) that fails, or passes again."""
    good, bad = "amount_cents = 1999", "amount_cents = -5"
    text = target.read_text()
    target.write_text(text.replace(good, bad) if broken else text.replace(bad, good))


def gates(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["gate"]: g for g in report["gates"]}


def test_a_launch_no_go_at_smoke_fixed_and_resumed_reuses_hour_one_and_ends_go(
    target: Path, golive_home: Path, tmp_path: Path
) -> None:
    runs = counted(target)
    break_payments(target, broken=True)
    first = run_launch(LaunchRequest(manifest=str(target), variant="soft"))
    assert first["verdict"] == "NO-GO"
    assert first["reasons"][0].startswith("smoke: critical check payment-processing")
    assert runs.read_text().count("ran") == 1

    break_payments(target, broken=False)
    report_file = tmp_path / "resumed.json"
    done = run_golive(
        "resume",
        "--launch",
        str(first["launch_id"]),
        "--report-json",
        str(report_file),
        home=golive_home,
        env={"COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_file.read_text())
    assert report["verdict"] == "GO", report["reasons"]
    found = gates(report)
    for name in ("configure", "audit", "tests"):
        assert found[name]["reused"] and found[name]["reused_from"] == first["launch_id"], name
    assert runs.read_text().count("ran") == 1  # the suite did not run again
    assert not found["migrate"]["reused"] and not found["deploy"]["reused"]
    migrate_line = next(x for x in report["resume"] if x.startswith("migrate: "))
    assert migrate_line.endswith(
        "and its NO-GO put the database back at an empty schema: migrate runs again"
    )
    assert f"resume: configure: reused: passed in launch {first['launch_id']}" in done.stdout
    assert "resume: migrate: runs:" in done.stdout

    ledger = open_ledger()
    resumed = ledger.launch(report["launch_id"])
    assert resumed is not None and resumed.resumed_from == first["launch_id"]
    assert resumed.verdict == "GO"
    recorded = {r.gate: r for r in ledger.gate_results(resumed.id)}
    assert recorded["tests"].reused_from == first["launch_id"]
    assert recorded["smoke"].reused_from is None
    assert resumed.flow_run_id
    run = httpx.get(f"{SessionServer.url()}/flow_runs/{resumed.flow_run_id}").json()
    assert f"resumed-from:{first['launch_id']}" in run["tags"]


def test_a_resume_after_a_changed_requirement_runs_audit_again_and_says_why(
    target: Path,
) -> None:
    # A GO first: the database is at head, so the failed launch migrates nothing and its
    # migrate holds for the resume as well (no migration runs again).
    assert run_launch(LaunchRequest(manifest=str(target), variant="soft"))["verdict"] == "GO"
    break_payments(target, broken=True)
    first = run_launch(LaunchRequest(manifest=str(target), variant="soft"))
    assert first["verdict"] == "NO-GO"

    break_payments(target, broken=False)
    requirements = target.parent / "requirements.txt"
    # A pin no other test of the session audits: Prefect's result cache is the session's, and
    # an audit of these exact files cached here would be a hit where another test wants a miss.
    requirements.write_text(requirements.read_text().replace("httpx==0.28.1", "httpx==0.27.2"))
    again = run_launch(
        LaunchRequest(manifest=str(target), variant="soft", resume_launch=first["launch_id"])
    )
    assert again["verdict"] == "GO", again["reasons"]
    found = gates(again)
    assert not found["audit"]["reused"]
    assert found["configure"]["reused"] and found["migrate"]["reused"]
    assert (
        f"audit: runs: inputs changed since launch {first['launch_id']}: "
        "requirement and lock files" in again["resume"]
    )
    assert again["resumed_from"] == first["launch_id"]


def test_a_go_launch_or_an_unknown_one_cannot_be_resumed(target: Path, golive_home: Path) -> None:
    ledger = open_ledger()
    good = ledger.start_launch(
        target="azora",
        environment="production",
        variant="soft",
        rehearsal=False,
        manifest=str(target.resolve()),
    )
    ledger.finish_launch(good, "GO", [])
    refused = run_golive("resume", "--launch", str(good), home=golive_home)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"golive: error: --launch {good}: it ended GO; only a NO-GO or CRASHED launch can be "
        "resumed"
    )
    unknown = run_golive("resume", "--launch", "999", home=golive_home)
    assert unknown.returncode == 2 and "no such launch" in unknown.stderr
    elsewhere = run_golive(
        "resume", "--launch", str(good), "--environment", "staging", home=golive_home
    )
    assert elsewhere.returncode == 2
    assert "it launched into production, not staging" in elsewhere.stderr
    # From the UI (the resume_launch parameter): the same one line, before a launch is opened.
    with pytest.raises(InputError, match="only a NO-GO or CRASHED launch can be resumed"):
        run_launch(LaunchRequest(manifest=str(target), variant="soft", resume_launch=good))
    assert [x.id for x in ledger.recent_launches()] == [good]
