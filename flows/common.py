"""What every launch flow does around its gates: open the launch and hold its environment,
publish each gate's outcome, and finish (roll back, decide, tear down, notify, let go).

One launch per environment at a time, across all deployments: the ledger's environment lock.
A holder whose flow run has ended (or vanished) without letting go is taken over.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect import Flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, State
from prefect.exceptions import ObjectNotFound
from prefect.futures import PrefectFuture
from prefect.logging import get_run_logger
from prefect.logging.loggers import flow_run_logger
from prefect.runtime import flow_run as current_run
from prefect.states import Failed

from golive import notify
from golive.context import LaunchContext
from golive.errors import GoliveError
from golive.ledger import open_ledger
from golive.manifest import load as load_manifest
from golive.report import LaunchReport, NoGo
from golive.request import LaunchRequest
from golive.results import Category, GateResult, failed
from golive.scorecard import GATE_CATEGORY
from tasks.deploy import rollback_release
from tasks.migrate import applied_revisions, revert_database
from tasks.publish import publish
from tasks.verdict import verdict_gate

QUEUE_POLL_S = 5


class EnvironmentBusy(GoliveError):
    """Another launch holds the environment and this one was told not to wait."""


def outcome(
    ctx: LaunchContext, gate: str, future: PrefectFuture[GateResult], stage: int | None = None
) -> GateResult:
    """The gate's result, published; a task that crashed becomes a blocking failure of its gate."""
    try:
        result = future.result()
    except Exception as exc:  # the gate's own bug or a tool error: report it, never hide it
        why = ctx.redactor()(f"gate crashed: {type(exc).__name__}: {exc}")
        result = failed(gate, GATE_CATEGORY.get(gate, Category.DEPLOYMENT), why)
    publish(ctx, result, stage)
    return result


def begin(request: LaunchRequest, variant: str) -> LaunchContext:
    """Open (or, for a resumed run, find again) the launch, and take its environment."""
    spec = load_manifest(request.manifest)
    environment = f"{request.environment}-rehearsal" if request.rehearsal else request.environment
    ledger = open_ledger()
    run_id = current_run.get_id()
    existing = ledger.launch_for_flow_run(run_id) if run_id else None
    launch_id = (
        existing.id
        if existing
        else ledger.start_launch(
            target=spec.target.name,
            environment=environment,
            variant=variant,
            rehearsal=request.rehearsal,
            flow_run_id=run_id,
        )
    )
    ctx = LaunchContext(
        launch_id,
        Path(request.manifest).resolve(),
        environment,
        "soft" if request.variant == "soft" else "full",
        request.rehearsal,
    )
    try:
        hold_environment(ctx, request, run_id)
    except EnvironmentBusy as exc:
        ledger.finish_launch(launch_id, "REFUSED", [str(exc)])
        raise
    get_run_logger().info(
        "launch %s: %s %s to %s", launch_id, spec.target.name, variant, environment
    )
    return ctx


def holder_gone(launch_id: int, flow_run_id: str | None) -> bool:
    """True when the lock's holder can no longer be running: finished, or its run has ended."""
    launch = open_ledger().launch(launch_id)
    if launch is None or launch.finished_at is not None:
        return True
    if not flow_run_id:
        return False
    with get_client(sync_client=True) as client:
        try:
            run = client.read_flow_run(UUID(flow_run_id))
        except ObjectNotFound:
            return True
    return run.state is not None and run.state.is_final()


def hold_environment(ctx: LaunchContext, request: LaunchRequest, run_id: str | None) -> None:
    ledger = open_ledger()
    deadline = time.monotonic() + request.queue_timeout_s
    while (holder := ledger.lock_environment(ctx.environment, ctx.launch_id, run_id)) is not None:
        if holder_gone(holder.launch_id, holder.flow_run_id):
            ledger.unlock_environment(ctx.environment, holder.launch_id)
            continue
        busy = (
            f"environment {ctx.environment} is busy: launch {holder.launch_id} "
            f"(flow run {holder.flow_run_id}) is running"
        )
        if request.if_busy == "refuse" or time.monotonic() > deadline:
            raise EnvironmentBusy(f"{busy}; try again when it ends, or queue with if_busy='queue'")
        get_run_logger().info("%s; queued, waiting", busy)
        time.sleep(QUEUE_POLL_S)


def let_go(flow: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
    """Flow hook (crashed, cancelled): free the environment and close the launch."""
    ledger = open_ledger()
    launch = ledger.launch_for_flow_run(str(flow_run.id))
    if launch is not None and launch.finished_at is None:
        ledger.finish_launch(launch.id, "CRASHED", [f"flow run ended {state.name}"])
        ledger.unlock_environment(launch.environment, launch.id)
        flow_run_logger(flow_run, flow).warning(
            "launch %s ended %s: environment %s released", launch.id, state.name, launch.environment
        )


def undo(
    ctx: LaunchContext,
    results: list[GateResult],
    previous: dict[str, tuple[int, str, str]],
    deployed: bool,
) -> list[str]:
    """After a NO-GO: the database, then the services, back to what they were."""
    lines: list[str] = []
    migrated = next((r for r in results if r.gate == "migrate"), None)
    if migrated is not None and applied_revisions(migrated):
        # First the schema, so the previous release starts on the schema it was built for.
        lines.append(revert_database(ctx, migrated))
    if deployed:
        lines += rollback_release(ctx, previous)
    return lines


def previous_releases(ctx: LaunchContext) -> dict[str, tuple[int, str, str]]:
    before = open_ledger().releases_before(ctx.launch_id, ctx.environment)
    return {s: (r.id, r.release_id, r.path) for s, r in before.items()}


def finish(
    ctx: LaunchContext, request: LaunchRequest, results: list[GateResult], rollback: list[str]
) -> dict[str, Any] | State:
    """Decide, report, tear a rehearsal down, notify, free the environment; the flow's return."""
    report = verdict_gate(ctx, results, rollback)
    ledger = open_ledger()
    if ctx.rehearsal:
        ctx.teardown()
        ledger.retire_environment(ctx.environment)
    send_notification(request, report)
    ledger.unlock_environment(ctx.environment, ctx.launch_id)
    get_run_logger().info("verdict: %s", report.verdict)
    if report.verdict != "GO":
        # A Failed state, not a raised exception: NO-GO is an answer, not a crash.
        summary = f"NO-GO: {'; '.join(report.scorecard.reasons)}"
        return Failed(message=summary, data=NoGo(summary, report.as_dict()))
    return report.as_dict()


def send_notification(request: LaunchRequest, report: LaunchReport) -> None:
    if not request.webhook_secret_block or not notify.should_notify(request.notify, report.verdict):
        return
    from prefect.blocks.system import Secret

    logger = get_run_logger()
    try:
        block: Secret[str] = Secret.load(request.webhook_secret_block)  # type: ignore[assignment]
        url = str(block.get())
    except (ValueError, ObjectNotFound):
        logger.warning("no Secret block named %r: verdict not posted", request.webhook_secret_block)
        return
    problem = notify.post(url, notify.message(report.as_dict(), current_run.ui_url))
    if problem:
        logger.warning("verdict not posted: %s", problem)
    else:
        logger.info(
            "verdict posted to the webhook in Secret block %r", request.webhook_secret_block
        )
