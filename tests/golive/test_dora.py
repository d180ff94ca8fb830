"""DORA metrics from a real ledger filled through its own API: GO, NO-GO after deploy, GO."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import update

from golive import dora
from golive.commit import Commit, target_commit
from golive.gates.outputs import BuiltRelease, DeployOutput
from golive.ledger import Ledger
from golive.ledger.history import launch_facts, record_commit
from golive.ledger.models import Launch, utcnow
from golive.results import failed, passed
from tests.conftest import run_golive

# `golive metrics` reads only the ledger: no Prefect server is started for it (nor reachable).
NO_SERVER = {"PREFECT_API_URL": "http://127.0.0.1:9/api"}
RELEASE = {"api": BuiltRelease(release_id="r1", path="releases/api/r1")}


def launch(
    ledger: Ledger,
    verdict: str,
    finished: datetime,
    committed: datetime | None,
    *,
    deployed: bool = True,
    rehearsal: bool = False,
) -> int:
    """One launch as the flow records it, then its end moved to a known time."""
    env = "production-rehearsal" if rehearsal else "production"
    lid = ledger.start_launch(target="azora", environment=env, variant="full", rehearsal=rehearsal)
    if committed is not None:
        record_commit(ledger, lid, Commit("a" * 40, committed))
    if deployed:
        ledger.record_gate(
            lid, passed("deploy", "started api", output=DeployOutput(started=("api",)))
        )
        ledger.record_candidates(lid, env, RELEASE)
    if verdict == "GO":
        ledger.promote(lid, env)
    else:
        ledger.record_gate(lid, failed("smoke", "checkout answered 500"))
        ledger.roll_back(lid, env)
    ledger.finish_launch(lid, verdict, [] if verdict == "GO" else ["smoke: checkout answered 500"])
    with ledger.session() as s:
        s.execute(update(Launch).where(Launch.id == lid).values(finished_at=finished))
    return lid


def fill(ledger: Ledger, now: datetime) -> None:
    """Before the window: a GO. In it: GO, NO-GO after its deploy, GO three hours later, a
    rehearsal and a NO-GO that never deployed (Hour 1 failed)."""
    day = timedelta(days=1)
    launch(ledger, "GO", now - 40 * day, now - 41 * day)
    launch(ledger, "GO", now - 10 * day, now - 10 * day - timedelta(hours=2))
    launch(ledger, "NO-GO", now - 8 * day, now - 8 * day - timedelta(hours=1))
    launch(ledger, "GO", now - 8 * day + timedelta(hours=3), now - 8 * day - timedelta(hours=1))
    launch(ledger, "GO", now - 7 * day, now - 7 * day - timedelta(days=9), rehearsal=True)
    launch(ledger, "NO-GO", now - 6 * day, None, deployed=False)


def test_a_go_no_go_go_sequence_gives_the_numbers_it_implies(tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    now = datetime(2026, 11, 30, 12, 0)
    fill(ledger, now)
    since = now - dora.parse_since("30d")
    metrics = dora.compute(launch_facts(ledger, "production", since), since, now, "production")
    assert metrics.launches == 4  # the rehearsal and the launch before the window do not count
    assert metrics.deployments == 2
    assert metrics.per_day == pytest.approx(2 / 30)
    assert metrics.lead_time_s == pytest.approx((2 + 4) / 2 * 3600)  # median of 2 h and 4 h
    assert (metrics.failed_changes, metrics.deployed) == (1, 3)
    assert metrics.change_failure_rate == pytest.approx(1 / 3)
    assert metrics.restore_s == pytest.approx(3 * 3600)
    assert (metrics.restores, metrics.unrestored) == (1, 0)


def test_without_a_commit_lead_time_is_n_a_with_the_reason(tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    now = datetime(2026, 11, 30, 12, 0)
    launch(ledger, "NO-GO", now - timedelta(days=2), None)
    launch(ledger, "GO", now - timedelta(days=1), None)
    launch(ledger, "NO-GO", now - timedelta(hours=1), None)
    since = now - timedelta(days=30)
    metrics = dora.compute(launch_facts(ledger, "production", since), since, now, "production")
    assert metrics.lead_time_s is None
    assert "not a git checkout" in metrics.lead_time_note
    assert (metrics.restores, metrics.unrestored) == (1, 1)
    assert metrics.restore_s == pytest.approx(86400)
    lead = next(r for r in metrics.rows() if r["metric"] == "lead time for changes")
    assert lead["value"] == "n/a"


@pytest.mark.parametrize("text", ["30", "0d", "3y", "-1d", ""])
def test_a_bad_window_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="30d"):
        dora.parse_since(text)


def test_the_commit_of_a_git_checkout_and_none_elsewhere(
    tmp_path: Path, require: Callable[[str], NoReturn]
) -> None:
    if shutil.which("git") is None:
        require("git is not installed")
    assert target_commit(tmp_path) is None
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_DATE": "2026-11-01T10:00:00+02:00",
        "PATH": "/usr/bin:/bin",
    }
    for argv in (["git", "init", "-q"], ["git", "commit", "-q", "--allow-empty", "-m", "x"]):
        subprocess.run(argv, cwd=tmp_path, env=env, check=True)
    commit = target_commit(tmp_path)
    assert commit is not None and len(commit.sha) == 40
    assert commit.committed_at == datetime(2026, 11, 1, 8, 0)  # UTC


def test_golive_metrics_json_reads_the_ledger(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    fill(Ledger(f"sqlite:///{home / 'ledger.db'}"), utcnow())
    done = run_golive("metrics", "--since", "30d", "--json", home=home, env=NO_SERVER)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["environment"] == "production"
    assert got["deployment_frequency"]["deployments"] == 2
    assert got["lead_time"]["median_s"] == pytest.approx(3 * 3600)
    assert got["change_failure_rate"] == {
        "rate": pytest.approx(1 / 3, abs=1e-4),
        "failed": 1,
        "deployed": 3,
    }
    assert got["time_to_restore"]["median_s"] == pytest.approx(3 * 3600)
    table = run_golive("metrics", home=home, env=NO_SERVER)
    assert table.returncode == 0, table.stderr
    assert "change failure rate" in table.stdout and "33%" in table.stdout
    bad = run_golive("metrics", "--since", "soon", home=home, env=NO_SERVER)
    assert bad.returncode == 2 and "--since" in bad.stderr
