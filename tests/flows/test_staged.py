"""The staged launch run locally: it pauses between stages until approved, and an abort rolls
back what stage 2 deployed. (On a deployment it suspends instead: tests/e2e covers that.)"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
from prefect.client.orchestration import get_client
from prefect.states import State

from flows.approvals import approve
from flows.launch import report_from
from flows.staged import staged_launch
from golive.backends.process import ProcessBackend
from golive.errors import InputError
from golive.ledger import open_ledger
from golive.request import StagedRequest
from golive.transient import retry_transient
from tests.conftest import port

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness", "golive_home")]


STARTED: list[threading.Thread] = []  # staged launches running in this test's threads


def start(request: StagedRequest) -> tuple[threading.Thread, list[State[Any]]]:
    states: list[State[Any]] = []
    thread = threading.Thread(
        target=lambda: states.append(staged_launch(request, return_state=True))
    )
    thread.start()
    STARTED.append(thread)
    return thread, states


def paused_state(run_id: str) -> bool:
    def read() -> State[Any] | None:
        with get_client(sync_client=True) as client:
            return client.read_flow_run(UUID(run_id)).state

    state = retry_transient(read)
    return state is not None and state.is_paused()


@pytest.fixture(autouse=True)
def nothing_left_waiting(prefect_harness: None, golive_home: Path) -> Iterator[None]:
    """After each test, pass or fail: a staged launch it left paused is aborted (so it rolls
    back, and frees its environment and processes) and its thread ends. (It asks for the home
    and the harness so that they are torn down after it.)"""
    yield
    while STARTED:
        thread = STARTED.pop()
        for _ in range(120):  # bounded: a launch that never ends fails the test loudly
            if not thread.is_alive():
                break
            waiting = [
                launch.flow_run_id
                for launch in open_ledger().recent_launches(50)
                if launch.flow_run_id and launch.finished_at is None
            ]
            for run_id in waiting:
                if paused_state(run_id):
                    with contextlib.suppress(InputError):  # decided meanwhile: fine
                        approve(run_id, "test-teardown", False, "the test ended")
            thread.join(5)  # re-checks: a later stage may pause again
        assert not thread.is_alive(), "a staged launch still runs after its test"


def wait_paused(launches_before: int, timeout: float = 180) -> str:
    """The flow run id of the new launch, once it is paused waiting for an approval."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        launches = open_ledger().recent_launches(50)
        if len(launches) > launches_before and launches[0].flow_run_id:
            run_id = launches[0].flow_run_id
            if paused_state(run_id):
                return run_id
        time.sleep(0.5)
    raise AssertionError("the staged launch never paused for approval")


def report_of(states: list[State[Any]]) -> dict[str, Any]:
    return report_from(states[0])


def test_stages_wait_for_approvals_and_reach_go(target: Path, golive_home: Path) -> None:
    request = StagedRequest(manifest=str(target), variant="soft", ramp=[2])
    thread, states = start(request)
    run_id = wait_paused(0)
    launch_id = open_ledger().recent_launches(1)[0].id
    # Stage 1 ran; nothing is deployed before the approval.
    assert {g.gate for g in open_ledger().gate_runs(launch_id)} >= {"configure", "migrate", "tests"}
    assert ProcessBackend(golive_home / "environments" / "production").running() == {}

    approve(run_id, "ana", True, "hour 1 is green")
    deadline = time.monotonic() + 180
    while len(open_ledger().approvals(launch_id)) < 1 or not any(
        g.gate == "smoke" for g in open_ledger().gate_runs(launch_id)
    ):
        assert time.monotonic() < deadline, "stage 2 did not run"
        time.sleep(0.5)
    wait_paused(0)
    assert (
        httpx.get(f"http://127.0.0.1:{port(18102)}/health").status_code == 200
    )  # stage 2 deployed
    approve(run_id, "ben", True, "smoke is green")
    thread.join(300)

    report = report_of(states)
    assert report["verdict"] == "GO", report["reasons"]
    assert [g["gate"] for g in report["gates"]][-2:] == ["load", "metrics"]
    decisions = [
        (a.stage, a.approver, a.approved, a.note) for a in open_ledger().approvals(launch_id)
    ]
    assert decisions == [(2, "ana", True, "hour 1 is green"), (3, "ben", True, "smoke is green")]
    stages = {g.gate: g.stage for g in open_ledger().gate_runs(launch_id)}
    assert (stages["configure"], stages["deploy"], stages["load"]) == (1, 2, 3)


def test_an_abort_rolls_back_what_stage_two_deployed(target: Path, golive_home: Path) -> None:
    thread, states = start(StagedRequest(manifest=str(target), variant="soft"))
    run_id = wait_paused(0)
    launch_id = open_ledger().recent_launches(1)[0].id
    approve(run_id, "ana", True, "go on")
    deadline = time.monotonic() + 180
    while not any(g.gate == "smoke" for g in open_ledger().gate_runs(launch_id)):
        assert time.monotonic() < deadline, "stage 2 did not run"
        time.sleep(0.5)
    wait_paused(0)
    approve(run_id, "ben", False, "p95 looks wrong")
    thread.join(300)

    report = report_of(states)
    assert report["verdict"] == "NO-GO"
    assert report["reasons"] == ["approval: stage 3 aborted by ben: p95 looks wrong"]
    assert any("no earlier release" in line for line in report["rollback"])
    assert ProcessBackend(golive_home / "environments" / "production").running() == {}


def test_a_rehearsal_runs_the_stages_straight_through(target: Path, golive_home: Path) -> None:
    state = staged_launch(
        StagedRequest(manifest=str(target), rehearsal=True, ramp=[2]), return_state=True
    )
    report = report_from(state)
    assert report["verdict"] == "GO", report
    approvals = open_ledger().approvals(report["launch_id"])
    assert [(a.stage, a.approver) for a in approvals] == [(2, "rehearsal"), (3, "rehearsal")]
    assert not (golive_home / "environments" / "production-rehearsal").exists()


def test_no_approval_within_the_timeout_is_no_go(target: Path, golive_home: Path) -> None:
    state = staged_launch(
        StagedRequest(manifest=str(target), variant="soft", approval_timeout_s=2), return_state=True
    )
    report = report_from(state)
    assert report["verdict"] == "NO-GO", report
    assert report["reasons"][0] == "approval: stage 2 aborted by golive: no approval within 2s"
    assert "deploy" not in [g["gate"] for g in report["gates"]]  # stage 2 never started
    assert ProcessBackend(golive_home / "environments" / "production").running() == {}
