"""One launch per environment at a time, across every deployment: the ledger's environment lock.

`begin` opens the launch (or finds it again, for a run Prefect re-runs after a resume) and takes
its environment; a holder whose flow run has ended (or vanished) without letting go is taken
over. `let_go` is the flow hook that frees the environment of a run that crashed or was
cancelled.
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
from prefect.logging import get_run_logger
from prefect.logging.loggers import flow_run_logger
from prefect.runtime import flow_run as current_run

from golive.context import LaunchContext
from golive.errors import EnvironmentBusy
from golive.ledger import open_ledger
from golive.manifest import load as load_manifest
from golive.request import LaunchRequest

QUEUE_POLL_S = 5


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
    """Take the environment for this launch: wait for it (`if_busy = "queue"`) or refuse."""
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
