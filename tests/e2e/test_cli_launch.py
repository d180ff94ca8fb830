"""`golive run` as a user runs it: a separate process, reporting to the session's Prefect server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_golive

pytestmark = pytest.mark.slow


def test_full_rehearsal_is_go_with_exit_0_and_a_json_report(target: Path, tmp_path: Path) -> None:
    report_path = tmp_path / "out" / "report.json"
    done = run_golive(
        "run",
        "full",
        "--manifest",
        str(target),
        "--rehearsal",
        "--report-json",
        str(report_path),
        home=tmp_path / "home",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(report_path.read_text())
    assert report["verdict"] == "GO"
    assert [g["gate"] for g in report["gates"]][-2:] == ["load", "metrics"]
    assert all({"gate", "status", "blocking", "summary"} <= set(g) for g in report["gates"])
    output = done.stdout + done.stderr
    assert "gate deploy: PASSED" in output  # progress, gate by gate
    assert "GO readiness" in output

    history = run_golive("history", home=tmp_path / "home")
    assert history.returncode == 0 and "azora" in history.stdout and "GO" in history.stdout


def test_no_go_exits_1_and_names_the_gate(target: Path, tmp_path: Path) -> None:
    env_file = target.parent / ".env.production"
    env_file.write_text(env_file.read_text().replace("JWT_SECRET=", "JWT_SECRET=changeme\n#", 1))
    report_path = tmp_path / "report.json"
    done = run_golive(
        "run",
        "soft",
        "--manifest",
        str(target),
        "--rehearsal",
        "--report-json",
        str(report_path),
        home=tmp_path / "home",
    )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(report_path.read_text())
    assert report["verdict"] == "NO-GO"
    assert report["reasons"][0].startswith("configure: ") and "JWT_SECRET" in report["reasons"][0]
    assert next(g for g in report["gates"] if g["gate"] == "configure")["blocking"] is True
    assert "Traceback" not in done.stdout + done.stderr
