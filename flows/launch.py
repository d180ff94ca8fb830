"""The launch flow: Hour 1 gates, Hour 2 gates, the verdict, and rollback on NO-GO.

Hour 1 runs configure, audit and tests in parallel and migrate after configure; any blocking
failure there is NO-GO before anything is built. Hour 2 builds, deploys, then monitors and
smoke-tests in parallel, then loads (full only). On NO-GO the database goes back to the
revision it had before the launch, and after a deploy the previous live release is started
again. The flow run ends Failed on NO-GO, so `--watch` and the CLI exit non-zero.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow
from prefect.client.schemas.objects import State
from prefect.futures import PrefectFuture
from prefect.logging import get_run_logger
from prefect.runtime import flow_run
from prefect.states import Failed

from golive.context import LaunchContext, Variant
from golive.errors import GoliveError
from golive.ledger import open_ledger
from golive.manifest import load as load_manifest
from golive.results import Category, GateResult, failed
from tasks.audit import audit_gate
from tasks.build import build_gate, releases_present
from tasks.configure import configure_gate
from tasks.deploy import deploy_gate, rollback_release
from tasks.load import load_gate
from tasks.migrate import applied_revisions, migrate_gate, revert_database
from tasks.monitor import monitor_gate
from tasks.publish import publish
from tasks.smoke import smoke_gate
from tasks.testsuites import tests_gate
from tasks.verdict import verdict_gate

CATEGORY = {
    "configure": Category.CONFIGURATION,
    "audit": Category.SECURITY,
    "tests": Category.TESTS,
    "migrate": Category.DATABASE,
    "build": Category.BUILD,
    "deploy": Category.DEPLOYMENT,
    "monitor": Category.MONITORING,
    "smoke": Category.SMOKE,
    "load": Category.LOAD,
}


def outcome(ctx: LaunchContext, gate: str, future: PrefectFuture[GateResult]) -> GateResult:
    """The gate's result, published; a task that crashed becomes a blocking failure of its gate."""
    try:
        result = future.result()
    except Exception as exc:  # the gate's own bug or a tool error: report it, never hide it
        result = failed(
            gate, CATEGORY[gate], ctx.redactor()(f"gate crashed: {type(exc).__name__}: {exc}")
        )
    publish(ctx, result)
    return result


def hour_one(ctx: LaunchContext) -> list[GateResult]:
    configure_f = configure_gate.submit(ctx)
    audit_f, tests_f = audit_gate.submit(ctx), tests_gate.submit(ctx)
    results = [outcome(ctx, "configure", configure_f)]
    if not results[0].blocks_launch:  # never touch the database with a broken configuration
        results.append(outcome(ctx, "migrate", migrate_gate.submit(ctx)))
    results += [outcome(ctx, "audit", audit_f), outcome(ctx, "tests", tests_f)]
    return results


def hour_two(ctx: LaunchContext) -> tuple[list[GateResult], bool]:
    """Hour 2's results, and whether deploy replaced what was running (so rollback applies)."""
    build_f = build_gate.submit(ctx)
    cached = build_f.result(raise_on_failure=False)
    if isinstance(cached, GateResult) and not releases_present(cached):
        # Someone emptied the release store: the cache entry names folders that are gone.
        build_f = build_gate.with_options(refresh_cache=True).submit(ctx)
    build = outcome(ctx, "build", build_f)
    if build.blocks_launch:
        return [build], False
    deploy = outcome(ctx, "deploy", deploy_gate.submit(ctx, build))
    if deploy.blocks_launch:
        return [build, deploy], bool(deploy.data.get("replaced", True))
    monitor_f, smoke_f = monitor_gate.submit(ctx), smoke_gate.submit(ctx)
    results = [build, deploy, outcome(ctx, "monitor", monitor_f), outcome(ctx, "smoke", smoke_f)]
    if ctx.variant == "full" and not any(r.blocks_launch for r in results):
        results.append(outcome(ctx, "load", load_gate.submit(ctx)))
    return results, True


@flow(name="launch", description="Run the launch plan against a target and decide GO or NO-GO.")
def launch(
    manifest: str = "examples/azora/launch.toml",
    variant: Variant = "full",
    environment: str = "production",
    rehearsal: bool = False,
) -> dict[str, object] | State:
    logger = get_run_logger()
    spec = load_manifest(manifest)
    target_env = f"{environment}-rehearsal" if rehearsal else environment
    ledger = open_ledger()
    launch_id = ledger.start_launch(
        target=spec.target.name,
        environment=target_env,
        variant=variant,
        rehearsal=rehearsal,
        flow_run_id=flow_run.get_id(),
    )
    ctx = LaunchContext(launch_id, Path(manifest).resolve(), target_env, variant, rehearsal)
    logger.info("launch %s: %s %s to %s", launch_id, spec.target.name, variant, target_env)
    previous = {
        s: (r.id, r.release_id, r.path) for s, r in ledger.live_releases(target_env).items()
    }

    results = hour_one(ctx)
    deployed = False
    if any(r.blocks_launch for r in results):
        logger.warning("Hour 1 has a blocking failure: NO-GO, Hour 2 does not start")
    else:
        hour2, deployed = hour_two(ctx)
        results += hour2
    rollback: list[str] = []
    if any(r.blocks_launch for r in results):
        migrated = next((r for r in results if r.gate == "migrate"), None)
        if migrated is not None and applied_revisions(migrated):
            # First the schema, so the previous release starts on the schema it was built for.
            rollback.append(revert_database(ctx, migrated))
        if deployed:
            rollback += rollback_release(ctx, previous)
    report = verdict_gate(ctx, results, rollback)
    if rehearsal:
        ctx.teardown()
        ledger.retire_environment(target_env)
    logger.info("verdict: %s", report.verdict)
    if report.verdict != "GO":
        # A Failed state, not an exception: NO-GO is an answer, not a crash with a traceback.
        return Failed(
            message=f"NO-GO: {'; '.join(report.scorecard.reasons)}", data=report.as_dict()
        )
    return report.as_dict()


def run_launch(
    manifest: str, variant: Variant, environment: str, rehearsal: bool
) -> dict[str, object]:
    """Run the flow in this process and return its report (as a dict), GO or NO-GO.

    Raises GoliveError for bad input found inside the run (it never reaches a verdict).
    """
    state = launch(manifest, variant, environment, rehearsal, return_state=True)
    value = state.result(raise_on_failure=False)
    if isinstance(value, GoliveError):
        raise value
    if isinstance(value, BaseException):
        raise GoliveError(f"launch flow crashed: {type(value).__name__}: {value}") from value
    if not isinstance(value, dict):
        raise GoliveError("launch flow ended without a report")
    return value
