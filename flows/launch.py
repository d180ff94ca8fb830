"""The launch flow: Hour 1 gates, Hour 2 gates, the verdict, and rollback on NO-GO.

Hour 1 runs configure, audit and tests in parallel and migrate after configure; any blocking
failure there is NO-GO before anything is built. Hour 2 builds, deploys, then monitors and
smoke-tests in parallel, then loads (full only). On NO-GO the database goes back to the
revision it had before the launch, and after a deploy the previous live release is started
again. The flow run ends Failed on NO-GO, so `--watch` and the CLI exit non-zero.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from prefect import flow
from prefect.client.schemas.objects import State
from prefect.logging import get_run_logger
from prefect.settings import Settings, temporary_settings

from flows.finishing import finish, previous_releases, undo
from flows.lock import begin, let_go, stop_heartbeat
from flows.plan import build_and_deploy, hour_one, watched
from flows.publishing import artifacts_sent, outcome, publish_plan
from flows.resume import resumed_launch, reuse_from
from golive.errors import GoliveError, LaunchCrashed
from golive.recovery import recover
from golive.report import NoGo
from golive.request import LaunchRequest
from tasks.bake import bake_gate
from tasks.load import load_gate
from tasks.metrics import metrics_gate


@flow(
    name="launch",
    description="Run the launch plan against a target and decide GO or NO-GO.",
    on_crashed=[let_go],
    on_cancellation=[let_go],
)
def launch(request: LaunchRequest | None = None) -> dict[str, Any] | State:
    """Run the launch plan; returns the report on GO, a Failed state carrying it on NO-GO."""
    request = request or LaunchRequest()
    if request.plan:
        return publish_plan(request)
    old = resumed_launch(request)  # a resume of a launch that cannot be resumed: bad input
    ctx = begin(request, request.variant, resumed_from=old.id if old else None)
    previous = previous_releases(ctx)
    try:
        reuse, resume_lines = reuse_from(ctx, old) if old else ({}, [])
        results = hour_one(ctx, reuse=reuse)
        deployed = False
        if any(r.blocks_launch for r in results):
            get_run_logger().warning("Hour 1 has a blocking failure: NO-GO, Hour 2 does not start")
        else:
            hour2, deployed = build_and_deploy(ctx)
            results += hour2
            if ctx.variant == "full" and not any(r.blocks_launch for r in results):
                results.append(outcome(ctx, "load", load_gate.submit(ctx)))
            if ctx.manifest.bake and not any(r.blocks_launch for r in results):
                results.append(outcome(ctx, "bake", bake_gate.submit(ctx)))  # a canary's
            if watched(results):  # the metric checks read what smoke and load just did
                results.append(outcome(ctx, "metrics", metrics_gate.submit(ctx)))
        rollback = (
            undo(ctx, results, previous, deployed) if any(r.blocks_launch for r in results) else []
        )
        return finish(ctx, request, results, rollback, (old.id, resume_lines) if old else None)
    except Exception as exc:  # a bug, not a verdict: undo what was done, then say so
        stop_heartbeat(ctx.launch_id)
        artifacts_sent()
        why = ctx.redactor()(f"launch failed: {type(exc).__name__}: {exc}")
        for line in recover(ctx.launch_id, why):
            get_run_logger().warning("recovery: %s", line)
        raise


def report_from(state: State) -> dict[str, Any]:
    """The report a finished launch or staged-launch run ended with, GO or NO-GO.

    Raises GoliveError for bad input found inside the run (it never reached a verdict).
    """
    value = state.result(raise_on_failure=False)
    if isinstance(value, NoGo):
        return value.report
    if isinstance(value, GoliveError):
        raise value
    if isinstance(value, BaseException):
        raise LaunchCrashed(f"launch flow crashed: {type(value).__name__}: {value}") from value
    if not isinstance(value, dict):
        raise LaunchCrashed("launch flow ended without a report")
    return value


def run_launch(request: LaunchRequest) -> dict[str, Any]:
    """Run the launch flow in this process and return its report (as a dict), GO or NO-GO."""
    with launch_settings():
        return report_from(launch(request, return_state=True))


def launch_settings() -> AbstractContextManager[Settings]:
    """The Prefect settings of a launch run in this process: no flow-run heartbeat, unless a
    setting or profile sets its frequency (PREFECT_FLOWS_HEARTBEAT_FREQUENCY).

    Prefect's heartbeat thread sleeps in 1 s steps, and the end of every run waited for the step
    under way (half a second a launch on average). golive's own lease (flows.lock) is what finds
    a launch whose process died; Prefect's heartbeats serve only an automation set up on them,
    and whoever sets one up sets the frequency to have them back.
    """
    return temporary_settings(set_defaults={"flows.heartbeat_frequency": None})
