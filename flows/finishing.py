"""How every launch ends: undo after a NO-GO, the verdict and its report, a rehearsal torn
down, the webhook notified, the environment let go.
"""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.client.schemas.objects import State
from prefect.exceptions import ObjectNotFound
from prefect.logging import get_run_logger
from prefect.runtime import flow_run as current_run
from prefect.states import Failed

from flows.insights import publish_dora, rehearsal_drift
from flows.lock import release
from flows.publishing import artifacts_sent, send_artifact
from golive import notify
from golive.context import LaunchContext
from golive.drift import DriftReport, with_drift
from golive.files import private_dir, write_private
from golive.gates.outputs import MigrateOutput
from golive.ledger import open_ledger
from golive.ledger.store import LiveRelease
from golive.monitoring.prometheus import stop_prometheus
from golive.report import LaunchReport, NoGo
from golive.request import LaunchRequest
from golive.results import GateResult
from golive.scorecard import decide
from tasks.deploy import promote_release, rollback_release
from tasks.migrate import revert_database


def previous_releases(ctx: LaunchContext) -> dict[str, LiveRelease]:
    """What was live in the environment before this launch: what a NO-GO puts back."""
    return open_ledger().live_releases(ctx.environment)


def undo(
    ctx: LaunchContext,
    results: list[GateResult],
    previous: dict[str, LiveRelease],
    deployed: bool,
) -> list[str]:
    """After a NO-GO: the database, then the services, back to what they were."""
    lines: list[str] = []
    migrated = next((r.output for r in results if r.gate == "migrate"), None)
    if isinstance(migrated, MigrateOutput) and migrated.needs_undo:
        # First the schema, so the previous release starts on the schema it was built for.
        lines.append(revert_database(ctx, migrated))
    if deployed:
        lines += [o.line for o in rollback_release(ctx, previous)]
    return lines


@task(name="verdict")
def decide_verdict(
    ctx: LaunchContext,
    results: list[GateResult],
    rollback: list[str],
    drift: DriftReport | None = None,
    resume: tuple[int, list[str]] | None = None,
) -> LaunchReport:
    """The scorecard and GO / NO-GO: its artifacts, report files and the ledger's verdict."""
    redact = ctx.redactor()
    results = [r.redacted(redact) for r in results]
    scorecard = with_drift(decide(results, ctx.variant), drift)
    report = LaunchReport(
        ctx.launch_id,
        ctx.manifest.target.name,
        ctx.environment,
        ctx.variant,
        ctx.rehearsal,
        scorecard,
        results,
        [redact(line) for line in rollback],
        drift,
        resumed_from=resume[0] if resume else None,
        resume=[redact(line) for line in resume[1]] if resume else [],
    )
    send_artifact(
        create_table_artifact,
        key="launch-scorecard",
        table=[{k: str(v) for k, v in row.as_dict().items()} for row in scorecard.rows],
        description=f"**{scorecard.verdict}** — readiness {scorecard.overall}/100",
    )
    markdown = report.markdown()
    send_artifact(
        create_markdown_artifact,
        key="launch-report",
        markdown=markdown,
        description=f"{scorecard.verdict}: launch {ctx.launch_id}",
    )
    write_private(private_dir(ctx.launch_dir) / "report.md", markdown)
    report.write_json(ctx.launch_dir / "report.json")
    ledger = open_ledger()
    if scorecard.go:  # only GO makes this launch's releases live
        ledger.promote(ctx.launch_id, ctx.environment)
    else:
        ledger.roll_back(ctx.launch_id, ctx.environment)
    ledger.finish_launch(ctx.launch_id, scorecard.verdict, scorecard.reasons)
    return report


def finish(
    ctx: LaunchContext,
    request: LaunchRequest,
    results: list[GateResult],
    rollback: list[str],
    resume: tuple[int, list[str]] | None = None,
) -> dict[str, Any] | State:
    """Decide, report, tear a rehearsal down, notify, free the environment; the flow's return.
    `resume`: the launch this one resumed and what it reused (golive.resume)."""
    report = decide_verdict(ctx, results, rollback, rehearsal_drift(ctx, results), resume)
    publish_dora(ctx)  # after the verdict is recorded, so it counts this launch
    if report.scorecard.go:
        promote_release(ctx)  # behind the proxy: the releases it replaced stop only now
    ledger = open_ledger()
    if ctx.rehearsal:
        ctx.teardown()
        ledger.retire_environment(ctx.environment)
    elif not report.scorecard.go and not ledger.live_releases(ctx.environment):
        stop_prometheus(ctx.environment_dir)  # nothing live to watch: none left running
    send_notification(request, report)
    artifacts_sent()  # before the environment is free: the next launch's are its own
    release(ctx)
    get_run_logger().info("verdict: %s", report.verdict)
    if report.verdict != "GO":
        # A Failed state, not a raised exception: NO-GO is an answer, not a crash.
        summary = f"NO-GO: {'; '.join(report.scorecard.reasons)}"
        return Failed(message=summary, data=NoGo(summary, report.as_dict()))
    return report.as_dict()


def send_notification(request: LaunchRequest, report: LaunchReport) -> None:
    """Post the verdict to the webhook in the request's Secret block, when asked to."""
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
