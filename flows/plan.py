"""The launch plan that the launch and staged flows share: Hour 1, then build, deploy, monitor
and smoke. Each step submits gate tasks and publishes their results as they end.

Hour 1 runs configure, audit and tests in parallel and migrate after configure; a blocking
configure failure never reaches the database, and the first blocking failure stops the rest.
Prometheus starts during Hour 1 too, so that the monitor gate after deploy only adds targets.
Hour 2 builds, deploys, then monitors and smoke-tests in parallel.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Mapping

from prefect import Task
from prefect.futures import PrefectFuture
from prefect.logging import get_run_logger

from flows.publishing import outcome, publish
from golive.cancel import CancelScope, GateHandle, running_as
from golive.context import LaunchContext
from golive.gates.outputs import BuildOutput, DeployOutput
from golive.results import GateResult
from golive.resume import gate_inputs
from tasks.audit import audit_gate
from tasks.build import build_gate, releases_present
from tasks.configure import configure_gate
from tasks.deploy import deploy_gate
from tasks.migrate import migrate_gate
from tasks.monitor import monitor_gate, prometheus_ahead, targets_ahead, wants_prometheus
from tasks.smoke import smoke_gate
from tasks.tests import tests_gate

# The order Hour 1 results are reported in, whichever ends first.
HOUR_ONE_ORDER = ("configure", "migrate", "audit", "tests")


def hour_one(
    ctx: LaunchContext, stage: int | None = None, reuse: Mapping[str, GateResult] | None = None
) -> list[GateResult]:
    """configure, audit and tests in parallel; migrate once configure has passed.

    Fail fast: the first blocking failure cancels the gates still running (their commands are
    killed: golive.cancel), and a migration not yet started never starts. A migration already
    running is left to finish (a half-applied migration is worse than one to revert): the
    NO-GO's undo puts the database back. Results come back in plan order.

    `reuse`: results a resumed launch takes from the ledger instead of running their gates
    (golive.resume); each gate's inputs digest is recorded with its result for a later resume.

    The environment's Prometheus starts alongside (tasks.monitor.prometheus_ahead): not a
    gate, so it never decides Hour 1, but Hour 1 ends only once its start is over.
    """
    reuse = reuse or {}
    inputs = gate_inputs(ctx)
    scope = CancelScope()
    running: dict[PrefectFuture[GateResult], tuple[GateHandle, float]] = {}
    done: queue.SimpleQueue[PrefectFuture[GateResult]] = queue.SimpleQueue()

    def submit(gate: Task[[LaunchContext], GateResult], cancellable: bool = True) -> None:
        handle = scope.handle(gate.name)
        if cancellable:
            with running_as(handle):
                future = gate.submit(ctx)
        else:
            future = gate.submit(ctx)
        running[future] = (handle, time.monotonic())
        future.add_done_callback(done.put)

    results = [publish(ctx, r, stage, inputs.get(name)) for name, r in reuse.items()]
    for gate in (configure_gate, audit_gate, tests_gate):
        if gate.name not in reuse:
            submit(gate)
    if "configure" in reuse and "migrate" not in reuse:
        submit(migrate_gate, cancellable=False)
    prometheus = None
    if wants_prometheus(ctx):  # off the critical path: ready before deploy needs it
        with running_as(scope.handle("prometheus")):
            prometheus = prometheus_ahead.submit(ctx)
    while running:
        future = done.get()
        handle, since = running.pop(future)
        result = outcome(
            ctx,
            handle.gate,
            future,
            stage,
            handle=handle,
            since=since,
            inputs=inputs.get(handle.gate),
        )
        results.append(result)
        if result.blocks_launch and not scope.cancelled:
            stopped = scope.cancel(f"{handle.gate} failed")
            if stopped:
                get_run_logger().warning(
                    "%s failed: NO-GO; stopped %s", handle.gate, ", ".join(stopped)
                )
        elif handle.gate == "configure" and not scope.cancelled:
            # never touch the database with a broken configuration, nor after a NO-GO
            submit(migrate_gate, cancellable=False)
    if prometheus is not None:
        # Started or abandoned before the verdict, so a NO-GO's finish finds what to stop.
        prometheus.wait()
    return sorted(results, key=lambda r: HOUR_ONE_ORDER.index(r.gate))


def build(ctx: LaunchContext, stage: int | None) -> GateResult:
    """The build gate; a cached build whose releases are gone from the store is built again."""
    build_f = build_gate.submit(ctx)
    cached = build_f.result(raise_on_failure=False)
    if (
        isinstance(cached, GateResult)
        and isinstance(cached.output, BuildOutput)
        and not releases_present(cached.output)
    ):
        # Someone emptied the release store: the cache entry names folders that are gone.
        build_f = build_gate.with_options(refresh_cache=True).submit(ctx)
    return outcome(ctx, "build", build_f, stage)


def deployed_anything(deploy: GateResult) -> bool:
    """Whether a deploy stopped or started a service (so a NO-GO must roll back)."""
    output = deploy.output
    if not isinstance(output, DeployOutput):
        return True  # the task crashed: assume the worst, the rollback finds what runs
    return bool(output.started or output.replaced)


def build_and_deploy(ctx: LaunchContext, stage: int | None = None) -> tuple[list[GateResult], bool]:
    """Build, deploy, monitor and smoke; and whether deploy changed what was running."""
    built = build(ctx, stage)
    if built.blocks_launch or not isinstance(built.output, BuildOutput):
        return [built], False
    if targets_ahead(ctx, built.output):
        get_run_logger().info("Prometheus has the deploy's targets already: monitor waits less")
    deploy = outcome(ctx, "deploy", deploy_gate.submit(ctx, built.output), stage)
    if deploy.blocks_launch:
        return [built, deploy], deployed_anything(deploy)
    monitor_f, smoke_f = monitor_gate.submit(ctx), smoke_gate.submit(ctx)
    checks = [outcome(ctx, "monitor", monitor_f, stage), outcome(ctx, "smoke", smoke_f, stage)]
    return [built, deploy, *checks], True


def watched(results: list[GateResult]) -> bool:
    """Whether the deployed release is under monitoring, so its metric checks can run."""
    monitor = next((r for r in results if r.gate == "monitor"), None)
    return monitor is not None and not monitor.blocks_launch
