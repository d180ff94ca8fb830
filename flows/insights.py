"""What a finished launch says about launches over time: a rehearsal's drift against the
previous rehearsal (`rehearsal-drift`), and a production launch's DORA metrics
(`dora-metrics`). Both read the ledger; neither changes anything a gate did.
"""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.logging import get_run_logger

from flows.publishing import send_artifact
from golive import dora
from golive.context import LaunchContext
from golive.drift import DriftReport, compare
from golive.ledger import open_ledger
from golive.ledger.history import launch_facts, previous_rehearsal
from golive.ledger.models import utcnow
from golive.results import GateResult

DORA_WINDOW = "30d"  # what the artifact shows; `golive metrics --since` picks any other


def rehearsal_drift(ctx: LaunchContext, results: list[GateResult]) -> DriftReport | None:
    """A rehearsal against the previous rehearsal of its target and environment: logged, and
    published as the `rehearsal-drift` artifact. None for a launch, or a first rehearsal."""
    if not ctx.rehearsal:
        return None
    try:
        return _drift(ctx, results)
    except Exception as exc:  # a report about the run must never stop the run being decided
        redact = ctx.redactor()
        get_run_logger().warning("drift not computed: %s: %s", type(exc).__name__, redact(str(exc)))
        return None


def _drift(ctx: LaunchContext, results: list[GateResult]) -> DriftReport | None:
    logger = get_run_logger()
    past = previous_rehearsal(open_ledger(), ctx.launch_id)
    if past is None:
        logger.info("drift: no earlier rehearsal of %s to compare with", ctx.environment)
        return None
    redact = ctx.redactor()
    report = compare(
        past.results,
        [r.redacted(redact) for r in results],
        ctx.manifest.drift,
        launch_id=ctx.launch_id,
        previous_id=past.launch_id,
        previous_variant=past.variant,
    )
    for line in report.lines():
        (logger.warning if line.startswith("drift ") else logger.info)("%s", line)
    send_artifact(
        create_markdown_artifact,
        key="rehearsal-drift",
        markdown=report.markdown(),
        description=(
            f"against rehearsal {past.launch_id}: "
            + ("; ".join(report.regressions) if report.regressions else "no regression")
        ),
    )
    return report


def publish_dora(ctx: LaunchContext) -> None:
    """After a production (non-rehearsal) launch is decided: its environment's DORA metrics
    over the last 30 days, this launch included, as the `dora-metrics` artifact."""
    if ctx.rehearsal:
        return
    try:
        _publish_dora(ctx)
    except Exception as exc:  # the verdict is recorded already: a report failing changes nothing
        why = ctx.redactor()(str(exc))
        get_run_logger().warning("DORA metrics not published: %s: %s", type(exc).__name__, why)


def _publish_dora(ctx: LaunchContext) -> None:
    until = utcnow()
    since = until - dora.parse_since(DORA_WINDOW)
    facts = launch_facts(open_ledger(), ctx.environment, since)
    metrics = dora.compute(facts, since, until, ctx.environment)
    send_artifact(
        create_table_artifact,
        key="dora-metrics",
        table=metrics.rows(),
        description=f"DORA metrics of {ctx.environment}, last {DORA_WINDOW}, "
        f"{metrics.launches} launches (rehearsals excluded)",
    )
