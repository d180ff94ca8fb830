"""The launch flow: Hour 1 gates, Hour 2 gates, the verdict, and rollback on NO-GO.

Hour 1 runs configure, audit and tests in parallel and migrate after configure; any blocking
failure there is NO-GO before anything is built. Hour 2 builds, deploys, then monitors and
smoke-tests in parallel, then loads (full only). On NO-GO the database goes back to the
revision it had before the launch, and after a deploy the previous live release is started
again. The flow run ends Failed on NO-GO, so `--watch` and the CLI exit non-zero.
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.client.schemas.objects import State
from prefect.logging import get_run_logger

from flows.common import begin, finish, let_go, outcome, previous_releases, undo
from golive.context import LaunchContext
from golive.errors import GoliveError
from golive.ledger import open_ledger
from golive.report import NoGo
from golive.request import LaunchRequest
from golive.results import GateResult
from tasks.audit import audit_gate
from tasks.build import build_gate, releases_present
from tasks.configure import configure_gate
from tasks.deploy import deploy_gate
from tasks.load import load_gate
from tasks.metrics import metrics_gate
from tasks.migrate import migrate_gate
from tasks.monitor import monitor_gate
from tasks.smoke import smoke_gate
from tasks.testsuites import tests_gate


def hour_one(ctx: LaunchContext, stage: int | None = None) -> list[GateResult]:
    configure_f = configure_gate.submit(ctx)
    audit_f, tests_f = audit_gate.submit(ctx), tests_gate.submit(ctx)
    results = [outcome(ctx, "configure", configure_f, stage)]
    if not results[0].blocks_launch:  # never touch the database with a broken configuration
        results.append(outcome(ctx, "migrate", migrate_gate.submit(ctx), stage))
    results += [outcome(ctx, "audit", audit_f, stage), outcome(ctx, "tests", tests_f, stage)]
    return results


def build_and_deploy(ctx: LaunchContext, stage: int | None = None) -> tuple[list[GateResult], bool]:
    """Build, deploy, monitor and smoke; and whether deploy replaced what was running."""
    build_f = build_gate.submit(ctx)
    cached = build_f.result(raise_on_failure=False)
    if isinstance(cached, GateResult) and not releases_present(cached):
        # Someone emptied the release store: the cache entry names folders that are gone.
        build_f = build_gate.with_options(refresh_cache=True).submit(ctx)
    build = outcome(ctx, "build", build_f, stage)
    if build.blocks_launch:
        return [build], False
    deploy = outcome(ctx, "deploy", deploy_gate.submit(ctx, build), stage)
    if deploy.blocks_launch:
        return [build, deploy], bool(deploy.data.get("replaced", True))
    monitor_f, smoke_f = monitor_gate.submit(ctx), smoke_gate.submit(ctx)
    checks = [outcome(ctx, "monitor", monitor_f, stage), outcome(ctx, "smoke", smoke_f, stage)]
    return [build, deploy, *checks], True


def watched(results: list[GateResult]) -> bool:
    """Whether the deployed release is under monitoring, so its metric checks can run."""
    monitor = next((r for r in results if r.gate == "monitor"), None)
    return monitor is not None and not monitor.blocks_launch


@flow(
    name="launch",
    description="Run the launch plan against a target and decide GO or NO-GO.",
    on_crashed=[let_go],
    on_cancellation=[let_go],
)
def launch(request: LaunchRequest | None = None) -> dict[str, Any] | State:
    request = request or LaunchRequest()
    ctx = begin(request, request.variant)
    previous = previous_releases(ctx)
    try:
        results = hour_one(ctx)
        deployed = False
        if any(r.blocks_launch for r in results):
            get_run_logger().warning("Hour 1 has a blocking failure: NO-GO, Hour 2 does not start")
        else:
            hour2, deployed = build_and_deploy(ctx)
            results += hour2
            if ctx.variant == "full" and not any(r.blocks_launch for r in results):
                results.append(outcome(ctx, "load", load_gate.submit(ctx)))
            if watched(results):  # the metric checks read what smoke and load just did
                results.append(outcome(ctx, "metrics", metrics_gate.submit(ctx)))
        rollback = (
            undo(ctx, results, previous, deployed) if any(r.blocks_launch for r in results) else []
        )
        return finish(ctx, request, results, rollback)
    except Exception:
        open_ledger().unlock_environment(ctx.environment, ctx.launch_id)
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
        raise GoliveError(f"launch flow crashed: {type(value).__name__}: {value}") from value
    if not isinstance(value, dict):
        raise GoliveError("launch flow ended without a report")
    return value


def run_launch(request: LaunchRequest) -> dict[str, Any]:
    """Run the launch flow in this process and return its report (as a dict), GO or NO-GO."""
    return report_from(launch(request, return_state=True))
