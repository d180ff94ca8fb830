"""Verdict task: the scorecard, the GO / NO-GO decision, and the launch's report artifacts."""

from __future__ import annotations

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from golive.context import LaunchContext
from golive.ledger import open_ledger
from golive.report import LaunchReport
from golive.results import GateResult
from golive.scorecard import decide


@task(name="verdict")
def verdict_gate(
    ctx: LaunchContext, results: list[GateResult], rollback: list[str]
) -> LaunchReport:
    scorecard = decide(results, ctx.variant)
    report = LaunchReport(
        ctx.launch_id,
        ctx.manifest.target.name,
        ctx.environment,
        ctx.variant,
        ctx.rehearsal,
        scorecard,
        results,
        rollback,
    )
    create_table_artifact(
        key="launch-scorecard",
        table=[{k: str(v) for k, v in row.as_dict().items()} for row in scorecard.rows],
        description=f"**{scorecard.verdict}** — readiness {scorecard.overall}/100",
    )
    markdown = report.markdown()
    create_markdown_artifact(
        key="launch-report",
        markdown=markdown,
        description=f"{scorecard.verdict}: launch {ctx.launch_id}",
    )
    ctx.launch_dir.mkdir(parents=True, exist_ok=True)
    (ctx.launch_dir / "report.md").write_text(markdown)
    report.write_json(ctx.launch_dir / "report.json")
    open_ledger().finish_launch(ctx.launch_id, scorecard.verdict, scorecard.reasons)
    return report
