"""The staged launch: three stages, a person's approval between them.

Stage 1 runs the Hour 1 gates; stage 2 builds, deploys, monitors and smoke-tests; stage 3
ramps the load and writes the optimisation report. Between stages the run waits for an
approval (`flows.approvals`). On a deployment it suspends, and Prefect re-runs the flow from
the start when resumed, so every stage first asks the ledger whether this launch already ran
it, and takes its results from there, typed outputs included: an abort after a resume still
knows what stage 2 migrated and deployed. An abort rolls back what stage 2 did. A rehearsal
runs the stages straight through and tears its environment down.
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import State

from flows.approvals import approval
from flows.finishing import finish, previous_releases, undo
from flows.lock import begin, let_go
from flows.plan import build_and_deploy, deployed_anything, hour_one
from flows.publishing import outcome, publish, publish_plan
from golive.context import LaunchContext
from golive.gates.approval import aborted, no_decision
from golive.ledger import open_ledger
from golive.optimise import optimisation_report
from golive.request import StagedRequest
from golive.results import GateResult
from tasks.bake import bake_gate
from tasks.load import load_ramp_gate
from tasks.metrics import metrics_gate


def recorded(ctx: LaunchContext, stage: int) -> list[GateResult] | None:
    """The gate results a stage already recorded for this launch (a resumed run), or None."""
    return open_ledger().gate_results(ctx.launch_id, stage) or None


@flow(name="stage-1-infrastructure")
def stage_one(ctx: LaunchContext) -> list[GateResult]:
    """Stage 1: the Hour 1 gates (or what this launch already recorded for them)."""
    return recorded(ctx, 1) or hour_one(ctx, stage=1)


@flow(name="stage-2-deployment")
def stage_two(ctx: LaunchContext) -> tuple[list[GateResult], bool]:
    """Stage 2: build, deploy, monitor and smoke; and whether it changed what was running."""
    done = recorded(ctx, 2)
    if done is None:
        return build_and_deploy(ctx, stage=2)
    deploy = next((r for r in done if r.gate == "deploy"), None)
    return done, deploy is not None and deployed_anything(deploy)


@flow(name="stage-3-load")
def stage_three(ctx: LaunchContext, ramp: list[int]) -> list[GateResult]:
    """Stage 3: the load ramp, its optimisation report, a canary's bake (once nothing blocks),
    then the metric checks."""
    done = recorded(ctx, 3)
    if done:
        return done
    result = outcome(ctx, "load", load_ramp_gate.submit(ctx, ramp), stage=3)
    create_markdown_artifact(
        key="stage-3-optimisation",
        markdown=optimisation_report(result),
        description="slowest endpoints and closest thresholds",
    )
    results = [result]
    if ctx.manifest.bake and not result.blocks_launch:
        results.append(outcome(ctx, "bake", bake_gate.submit(ctx), stage=3))
    return [*results, outcome(ctx, "metrics", metrics_gate.submit(ctx), stage=3)]


def later_stages(
    ctx: LaunchContext, request: StagedRequest, results: list[GateResult]
) -> tuple[list[GateResult], bool]:
    """Stages 2 and 3, each after its approval: their results, and whether stage 2 deployed."""
    added: list[GateResult] = []
    deployed = False
    for stage in (2, 3):
        if any(r.blocks_launch for r in results + added):
            break
        try:
            decision = approval(ctx, request, stage)
        except Exception as exc:  # a pause that timed out, an API error: still undo stage 2
            added.append(no_decision(stage, f"{type(exc).__name__}: {exc}"))
            break
        if not decision.approve:
            added.append(aborted(stage, decision.approver, decision.note))
            break
        if stage == 2:
            stage_results, deployed = stage_two(ctx)
            added += stage_results
        else:
            added += stage_three(ctx, request.ramp)
    return added, deployed


@flow(
    name="staged-launch",
    description="Three stages with an approval between each.",
    on_crashed=[let_go],
    on_cancellation=[let_go],
)
def staged_launch(request: StagedRequest | None = None) -> dict[str, Any] | State:
    """Stage 1, then stages 2 and 3 each after an approval; the report, as `launch` returns it."""
    request = request or StagedRequest()
    if request.plan:  # what it would do, as the launch flow shows it; no stage runs
        return publish_plan(request)
    ctx = begin(request, "staged")
    previous = previous_releases(ctx)
    results = stage_one(ctx)
    added, deployed = later_stages(ctx, request, results)
    for result in added:
        if result.gate == "approval":
            publish(ctx, result)
    results += added
    rollback = (
        undo(ctx, results, previous, deployed) if any(r.blocks_launch for r in results) else []
    )
    return finish(ctx, request, results, rollback)
