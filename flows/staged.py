"""The staged launch: three stages, a person's approval between them.

Stage 1 runs the Hour 1 gates; stage 2 builds, deploys, monitors and smoke-tests; stage 3
ramps the load and writes the optimisation report. Between stages the run waits for a
`StageApproval` (a form in the UI; `golive approve` from a terminal). On a deployment it
suspends, freeing its worker; Prefect then re-runs the flow from the start when resumed,
so every stage first asks the ledger whether this launch already ran it. Run locally it
pauses in-process. An abort rolls back what stage 2 deployed, and so does a paused run's
deadline (an automatic abort). A suspended run has no process to notice its deadline, so it
schedules an `approval-deadline` flow run that resumes it with that abort. A rehearsal
runs the stages straight through and tears its environment down.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from prefect import flow, pause_flow_run, suspend_flow_run
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import State
from prefect.input import RunInput
from prefect.logging import get_run_logger
from prefect.runtime import deployment, flow_run
from pydantic import Field

from flows.common import begin, finish, let_go, outcome, previous_releases, undo
from flows.launch import build_and_deploy, hour_one
from golive.context import LaunchContext
from golive.errors import GoliveError
from golive.ledger import open_ledger
from golive.optimise import optimisation_report
from golive.request import StagedRequest
from golive.results import Category, GateResult, Status
from tasks.load import load_ramp_gate
from tasks.metrics import metrics_gate

PAUSE_POLL_S = 2
PAUSE_GRACE_S = 300  # Prefect's own pause timeout, after golive's deadline has aborted


class StageApproval(RunInput):
    """The decision that lets the next stage of a staged launch start."""

    approver: str = Field(description="Who decides (name or handle).")
    approve: bool = Field(True, description="Approve the next stage; untick to abort the launch.")
    note: str = Field("", description="Why: what was checked, what to watch.")


def recorded(ctx: LaunchContext, stage: int) -> list[GateResult] | None:
    """The gate results a stage already recorded for this launch (a resumed run), or None."""
    rows = [g for g in open_ledger().gate_runs(ctx.launch_id) if g.stage == stage]
    if not rows:
        return None
    return [
        GateResult(
            g.gate,
            Category(g.category),
            Status(g.status),
            g.blocking,
            g.score,
            g.summary,
            duration_s=g.duration_s,
        )
        for g in rows
    ]


def pause_with_deadline(key: str, timeout_s: int) -> StageApproval:
    """Pause in-process for a decision; at the deadline golive itself decides: abort.

    Prefect's own pause timeout fails the flow run outright, with no chance to roll back, so
    it is only a later safety net here; the deadline is an ordinary, recorded abort.
    """
    from uuid import UUID

    from prefect.flow_runs import resume_flow_run

    run_id = UUID(str(flow_run.get_id()))

    def abort_if_still_waiting() -> None:
        with contextlib.suppress(Exception):  # already decided: the resume is refused, fine
            resume_flow_run(run_id, run_input=auto_abort(timeout_s))

    timer = threading.Timer(timeout_s, abort_if_still_waiting)
    timer.daemon = True
    timer.start()
    try:
        return pause_flow_run(
            StageApproval, timeout=timeout_s + PAUSE_GRACE_S, poll_interval=PAUSE_POLL_S, key=key
        )
    finally:
        timer.cancel()


DEADLINE_DEPLOYMENT = "approval-deadline/approval-deadline"


def auto_abort(timeout_s: int) -> dict[str, Any]:
    return {"approver": "golive", "approve": False, "note": f"no approval within {timeout_s}s"}


def schedule_deadline(stage: int, timeout_s: int) -> None:
    """A suspended run has no process to notice its deadline: schedule a flow run that will.

    The idempotency key makes the re-run that follows a resume schedule nothing new.
    """
    from prefect.deployments import run_deployment

    run_id = str(flow_run.get_id())
    run_deployment(
        DEADLINE_DEPLOYMENT,
        timeout=0,
        as_subflow=False,
        parameters={"flow_run_id": run_id, "stage": stage, "timeout_s": timeout_s},
        scheduled_time=datetime.now(UTC) + timedelta(seconds=timeout_s),
        idempotency_key=f"{run_id}-stage-{stage}-deadline",
    )


@flow(name="approval-deadline", description="Abort a staged launch still waiting at its deadline.")
def approval_deadline(flow_run_id: str, stage: int, timeout_s: int) -> str:
    """Resume the staged launch with an automatic abort if it still waits for this stage."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.flow_runs import resume_flow_run

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(UUID(flow_run_id)).state
    waiting = (
        state is not None
        and state.is_paused()
        and (state.state_details.pause_key == f"stage-{stage}-approval")
    )
    if not waiting:
        return f"stage {stage} of {flow_run_id} already decided"
    resume_flow_run(UUID(flow_run_id), run_input=auto_abort(timeout_s))
    get_run_logger().warning(
        "no approval within %ss: stage %s of %s aborted", timeout_s, stage, flow_run_id
    )
    return f"stage {stage} of {flow_run_id} aborted"


def approval(ctx: LaunchContext, request: StagedRequest, stage: int) -> StageApproval:
    """Wait for the decision that starts `stage`; record it in the ledger and an artifact."""
    ledger = open_ledger()
    decided = next((a for a in ledger.approvals(ctx.launch_id) if a.stage == stage), None)
    if decided is not None:  # a resumed run: the decision is already on record
        return StageApproval(approver=decided.approver, approve=decided.approved, note=decided.note)
    if ctx.rehearsal:
        decision = StageApproval(approver="rehearsal", approve=True, note="rehearsals do not wait")
    else:
        get_run_logger().info(
            "stage %s waits for approval: golive approve %s --note …", stage, flow_run.get_id()
        )
        key = f"stage-{stage}-approval"  # fixed, so a resumed re-run gets the same input back
        if deployment.get_id():  # frees the worker; Prefect re-runs the flow on resume
            schedule_deadline(stage, request.approval_timeout_s)
            decision = suspend_flow_run(
                StageApproval, timeout=request.approval_timeout_s + PAUSE_GRACE_S, key=key
            )
        else:
            decision = pause_with_deadline(key, request.approval_timeout_s)
    ledger.record_approval(ctx.launch_id, stage, decision.approver, decision.approve, decision.note)
    verb = "approved" if decision.approve else "ABORTED"
    create_markdown_artifact(
        key=f"stage-{stage}-approval",
        markdown=f"# Stage {stage} {verb}\n\n- by: {decision.approver}\n- note: {decision.note}\n",
        description=f"stage {stage} {verb} by {decision.approver}",
    )
    return decision


@flow(name="stage-1-infrastructure")
def stage_one(ctx: LaunchContext) -> list[GateResult]:
    return recorded(ctx, 1) or hour_one(ctx, stage=1)


@flow(name="stage-2-deployment")
def stage_two(ctx: LaunchContext) -> tuple[list[GateResult], bool]:
    done = recorded(ctx, 2)
    return (done, True) if done else build_and_deploy(ctx, stage=2)


@flow(name="stage-3-load")
def stage_three(ctx: LaunchContext, ramp: list[int]) -> list[GateResult]:
    done = recorded(ctx, 3)
    if done:
        return done
    result = outcome(ctx, "load", load_ramp_gate.submit(ctx, ramp), stage=3)
    create_markdown_artifact(
        key="stage-3-optimisation",
        markdown=optimisation_report(result),
        description="slowest endpoints and closest thresholds",
    )
    return [result, outcome(ctx, "metrics", metrics_gate.submit(ctx), stage=3)]


@flow(
    name="staged-launch",
    description="Three stages with an approval between each.",
    on_crashed=[let_go],
    on_cancellation=[let_go],
)
def staged_launch(request: StagedRequest | None = None) -> dict[str, Any] | State:
    request = request or StagedRequest()
    ctx = begin(request, "staged")
    previous = previous_releases(ctx)
    results = stage_one(ctx)
    deployed = False
    try:
        for stage in (2, 3):
            if any(r.blocks_launch for r in results):
                break
            decision = approval(ctx, request, stage)
            if not decision.approve:
                results.append(
                    GateResult(
                        f"approval-{stage}",
                        Category.DEPLOYMENT,
                        Status.FAILED,
                        True,
                        0,
                        f"stage {stage} aborted by {decision.approver}: "
                        f"{decision.note or 'no note'}",
                    )
                )
                break
            if stage == 2:
                stage_results, deployed = stage_two(ctx)
                results += stage_results
            else:
                results += stage_three(ctx, request.ramp)
    except Exception as exc:  # a pause that timed out, an API error: still undo stage 2
        results.append(
            GateResult(
                "approval",
                Category.DEPLOYMENT,
                Status.FAILED,
                True,
                0,
                f"no approval: {type(exc).__name__}: {exc}",
            )
        )
    rollback = (
        undo(ctx, results, previous, deployed) if any(r.blocks_launch for r in results) else []
    )
    return finish(ctx, request, results, rollback)


def approve(run_id: str, approver: str, approved: bool, note: str) -> None:
    """Give a waiting staged launch its decision (what `golive approve` calls)."""
    from uuid import UUID

    from prefect.exceptions import ObjectNotFound
    from prefect.flow_runs import resume_flow_run

    try:
        run = UUID(run_id)
    except ValueError:
        raise GoliveError(f"{run_id!r} is not a flow run id (a UUID)") from None
    try:
        resume_flow_run(run, run_input={"approver": approver, "approve": approved, "note": note})
    except ObjectNotFound:
        raise GoliveError(
            f"no flow run {run_id} on this Prefect API; check PREFECT_API_URL"
        ) from None
    except RuntimeError as exc:  # Prefect refuses to resume a run that is not waiting
        raise GoliveError(f"flow run {run_id} is not waiting for an approval: {exc}") from None
