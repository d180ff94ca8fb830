"""One launch per environment at a time, across every deployment: the ledger's environment lock,
held as a lease.

`begin` opens the launch (or finds it again, for a run Prefect re-runs after a resume) and takes
its environment; a heartbeat thread renews the lease while the launch runs. A holder that is
dead (its lease ran out, its process is gone, its flow run ended) is taken over: what it left
half done is recovered first (`golive.recovery`). A run suspended for an approval parks its
lease until its deadline. `let_go` is the flow hook that recovers and frees the environment of
a run that crashed, was cancelled or interrupted.
"""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import UTC, datetime, timedelta
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

from golive import settings
from golive.context import LaunchContext
from golive.errors import EnvironmentBusy
from golive.freeze import check_freeze
from golive.ledger import open_ledger
from golive.ledger.history import record_target_commit
from golive.ledger.models import EnvironmentLock, utcnow
from golive.ledger.overrides import record_freeze_override
from golive.manifest import Freeze
from golive.recovery import recover, why_holder_is_dead
from golive.request import LaunchRequest
from golive.transient import retry_transient
from golive.validate import check_launch

QUEUE_POLL_S = 5


def begin(request: LaunchRequest, variant: str, resumed_from: int | None = None) -> LaunchContext:
    """Open (or, for a resumed run, find again) the launch, and take its environment;
    `resumed_from`: the earlier launch this one resumes (`golive resume`)."""
    spec = check_launch(request.manifest, request.environment, rehearsal=request.rehearsal)
    environment = f"{request.environment}-rehearsal" if request.rehearsal else request.environment
    ledger = open_ledger()
    run_id = current_run.get_id()
    existing = ledger.launch_for_flow_run(run_id) if run_id else None
    # Only a new launch is held back: a staged run that Prefect re-runs after its approval
    # already went through (or past) the freeze check.
    overridden = None if existing else frozen_or_overridden(request, spec.freeze)
    launch_id = (
        existing.id
        if existing
        else ledger.start_launch(
            target=spec.target.name,
            environment=environment,
            variant=variant,
            rehearsal=request.rehearsal,
            flow_run_id=run_id,
            manifest=str(Path(request.manifest).resolve()),
            resumed_from=resumed_from,
        )
    )
    if overridden is not None:
        who = settings.operator()
        why = request.override_freeze or ""
        record_freeze_override(ledger, environment, launch_id, who, why)
        get_run_logger().warning("%s overrides the %s: %s", who, overridden.describe(), why)
    if existing is None:  # lead time for changes (golive metrics) runs from this commit
        record_target_commit(ledger, launch_id, Path(request.manifest).resolve().parent)
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
    logger = get_run_logger()
    logger.info("launch %s: %s %s to %s", launch_id, spec.target.name, variant, environment)
    if ctx.rehearsal:  # its own database and ports before any gate runs
        try:
            for line in ctx.prepare_rehearsal():
                logger.info("%s", line)
        except Exception as exc:
            stop_heartbeat(ctx.launch_id)
            recover(ctx.launch_id, f"rehearsal could not be prepared: {exc}")
            raise
    return ctx


def frozen_or_overridden(request: LaunchRequest, freezes: list[Freeze]) -> Freeze | None:
    """Raise Frozen when a freeze window holds the environment; the window overridden, if any."""
    return check_freeze(
        freezes,
        request.environment,
        rehearsal=request.rehearsal,
        override=request.override_freeze,
        now=datetime.now(UTC),
    )


def why_dead(holder: EnvironmentLock) -> str | None:
    """Why the lock's holder can no longer be running, or None while it may be: its launch
    finished, its lease ran out, its process is gone (same host), its flow run has ended."""
    dead = why_holder_is_dead(holder)
    if dead is not None or not holder.flow_run_id:
        return dead
    try:
        run = retry_transient(lambda: read_flow_run(UUID(holder.flow_run_id)))
    except ObjectNotFound:
        return "its flow run no longer exists"
    if run.state is not None and run.state.is_final():
        return f"its flow run ended {run.state.name}"
    return None


def read_flow_run(run_id: UUID) -> FlowRun:
    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id)


def take_over(ctx: LaunchContext, holder: EnvironmentLock, dead: str) -> None:
    """Free the environment of a dead holder, first undoing what it left half done."""
    logger = get_run_logger()
    if dead == "finished":
        open_ledger().unlock_environment(ctx.environment, holder.launch_id)
        return
    logger.warning("launch %s holds %s but %s: recovering", holder.launch_id, ctx.environment, dead)
    why = f"taken over by launch {ctx.launch_id}: {dead}"
    for line in recover(holder.launch_id, why):
        logger.warning("recovery of launch %s: %s", holder.launch_id, line)


def hold_environment(ctx: LaunchContext, request: LaunchRequest, run_id: str | None) -> None:
    """Take the environment for this launch (taking it over from a dead holder): wait for a
    live holder (`if_busy = "queue"`) or refuse."""
    ledger = open_ledger()
    deadline = time.monotonic() + request.queue_timeout_s
    while (
        holder := ledger.lock_environment(ctx.environment, ctx.launch_id, run_id, request.lease_s)
    ) is not None:
        dead = why_dead(holder)
        if dead is not None:
            take_over(ctx, holder, dead)
            continue
        busy = (
            f"environment {ctx.environment} is busy: launch {holder.launch_id} "
            f"(flow run {holder.flow_run_id}) is running"
        )
        if request.if_busy == "refuse" or time.monotonic() > deadline:
            raise EnvironmentBusy(f"{busy}; try again when it ends, or queue with if_busy='queue'")
        get_run_logger().info("%s; queued, waiting", busy)
        time.sleep(QUEUE_POLL_S)
    HEARTBEATS[ctx.launch_id] = Heartbeat(ctx.environment, ctx.launch_id, request.lease_s)


class Heartbeat:
    """Renews a launch's lease on its environment every third of the lease, in a daemon
    thread, until stopped; a holder that dies stops renewing, and its lease runs out."""

    def __init__(self, environment: str, launch_id: int, lease_s: float) -> None:
        self.environment, self.launch_id, self.lease_s = environment, launch_id, lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="golive-lease", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        ledger = open_ledger()
        while not self._stop.wait(self.lease_s / 3):
            until = utcnow() + timedelta(seconds=self.lease_s)
            with contextlib.suppress(Exception):  # a ledger hiccup: the next beat tries again
                if not ledger.renew_lock(self.environment, self.launch_id, until):
                    return  # taken over or let go: nothing left to renew

    def stop(self) -> None:
        self._stop.set()


HEARTBEATS: dict[int, Heartbeat] = {}


def stop_heartbeat(launch_id: int) -> None:
    """Stop renewing this launch's lease (it is finishing, parked or being recovered)."""
    beat = HEARTBEATS.pop(launch_id, None)
    if beat is not None:
        beat.stop()


def park(ctx: LaunchContext, until: datetime) -> None:
    """Keep the environment while this run waits without a process (suspended for an
    approval): stop renewing and hold the lease until `until`."""
    stop_heartbeat(ctx.launch_id)
    open_ledger().renew_lock(ctx.environment, ctx.launch_id, until)


def release(ctx: LaunchContext) -> None:
    """This launch is done with its environment: stop renewing, let go."""
    stop_heartbeat(ctx.launch_id)
    open_ledger().unlock_environment(ctx.environment, ctx.launch_id)


def let_go(flow: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
    """Flow hook (crashed, cancelled, interrupted): undo what the launch left half done, record
    it CRASHED, and free its environment."""
    launch = open_ledger().launch_for_flow_run(str(flow_run.id))
    if launch is None or launch.finished_at is not None:
        return
    stop_heartbeat(launch.id)
    logger = flow_run_logger(flow_run, flow)
    for line in recover(launch.id, f"flow run ended {state.name}"):
        logger.warning("recovery: %s", line)
    logger.warning(
        "launch %s ended %s: environment %s released", launch.id, state.name, launch.environment
    )
