"""Drift and DORA metrics end to end: two real rehearsals of the example, the second with an
endpoint slowed down, compared through the ledger; a production launch of a git checkout and
its `dora-metrics`. What they publish is read back from the Prefect API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from flows.launch import run_launch
from golive.ledger import open_ledger
from golive.request import LaunchRequest

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "golive_home")]


def artifacts(report: dict[str, Any]) -> dict[str, Any]:
    launch = open_ledger().launch(report["launch_id"])
    assert launch is not None and launch.flow_run_id
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[launch.flow_run_id])
            )
        )
    return {a.key: a for a in found}


def slow_down_catalog(target: Path, seconds: float) -> None:
    app = target.parent / "services" / "api" / "app.py"
    text = app.read_text()
    old = "def catalog() -> list[dict]:\n    return CATALOG"
    assert old in text
    sleep = f"    __import__('time').sleep({seconds})\n"
    slowed = old.replace("    return", sleep + "    return")
    app.write_text(text.replace(old, slowed))


def test_a_slowed_endpoint_shows_as_a_p95_increase_in_the_drift_artifact(target: Path) -> None:
    request = LaunchRequest(manifest=str(target), variant="full", rehearsal=True)
    first = run_launch(request)
    assert first["verdict"] == "GO", first["reasons"]
    assert first["drift"] is None  # the first rehearsal has nothing to be compared with
    assert "rehearsal-drift" not in artifacts(first)

    slow_down_catalog(target, 0.3)  # half the load's requests now take 300 ms at least
    with target.open("a") as manifest:
        manifest.write("\n[drift]\nmax_p95_increase = 0.2\nblocking = true\n")
    second = run_launch(request)

    drift = second["drift"]
    assert drift["previous_launch_id"] == first["launch_id"]
    assert drift["load"]["p95_ms"]["after"] > drift["load"]["p95_ms"]["before"]
    assert drift["load"]["p95_ms"]["ratio"] > 0
    assert any(r.startswith("p95 +") for r in drift["regressions"]), drift["regressions"]
    # blocking: the rehearsal is NO-GO, and the verdict says it was the drift
    assert second["verdict"] == "NO-GO"
    assert any(r.startswith("drift: p95 +") for r in second["reasons"]), second["reasons"]

    found = artifacts(second)
    markdown = found["rehearsal-drift"].data
    assert f"Drift against rehearsal {first['launch_id']}" in markdown
    assert "| p95 |" in markdown and "over 20%" in markdown
    # the rehearsal's report leads with the drift, right after its title and score
    report = found["launch-report"].data
    assert report.index("Drift against rehearsal") < report.index("## Scorecard")
    assert "dora-metrics" not in found  # rehearsals are not deployments


def test_a_production_launch_publishes_dora_metrics_with_its_commit(
    target: Path, require: Callable[[str], NoReturn]
) -> None:
    if shutil.which("git") is None:
        require("git is not installed")
    folder = target.parent
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(folder),
        "GIT_AUTHOR_NAME": "golive test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "golive test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    for argv in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "v1"]):
        subprocess.run(argv, cwd=folder, env=env, check=True, capture_output=True)
    rev = ["git", "rev-parse", "HEAD"]
    head = subprocess.run(rev, cwd=folder, env=env, check=True, capture_output=True, text=True)

    report = run_launch(LaunchRequest(manifest=str(target), variant="soft"))
    assert report["verdict"] == "GO", report["reasons"]
    launch = open_ledger().launch(report["launch_id"])
    assert launch is not None and launch.committed_at is not None
    assert launch.commit_sha == head.stdout.strip()

    found = artifacts(report)
    assert "rehearsal-drift" not in found
    rows = {row["metric"]: row for row in json.loads(found["dora-metrics"].data)}
    assert "1 GO launches" in rows["deployment frequency"]["detail"]
    assert rows["lead time for changes"]["value"] != "n/a"
    assert rows["change failure rate"]["value"] == "0%"
