"""A launch asked only for its plan (`request.plan = true`): it publishes the `launch-plan`
artifact and ends, with no gate run and no launch in the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

from flows.launch import launch
from flows.staged import staged_launch
from golive.gates.registry import GATES
from golive.request import LaunchRequest, StagedRequest

pytestmark = pytest.mark.usefixtures("prefect_harness", "golive_home")


@pytest.mark.parametrize("staged", [False, True], ids=["launch", "staged-launch"])
def test_a_plan_request_publishes_the_plan_and_runs_no_gate(
    target: Path, golive_home: Path, staged: bool
) -> None:
    if staged:
        state = staged_launch(StagedRequest(manifest=str(target), plan=True), return_state=True)
    else:
        state = launch(LaunchRequest(manifest=str(target), plan=True), return_state=True)

    assert state.is_completed(), state.message
    plan = state.result()
    assert isinstance(plan, dict) and [g["gate"] for g in plan["gates"]] == [g.name for g in GATES]
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    keys = {a.key: a for a in found}
    assert set(keys) == {"launch-plan"}, "a gate ran (it would have left its artifact)"
    text = str(keys["launch-plan"].data)
    for g in GATES:
        assert f"| {g.name} |" in text
    assert "CREATE TABLE users" in text
    assert not (golive_home / "ledger.db").exists(), "a plan recorded a launch"
