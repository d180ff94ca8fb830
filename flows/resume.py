"""A resumed launch in the flow: the earlier launch checked before anything opens, the gates it
reuses decided (golive.resume), said in the log and a `resume-plan` artifact, and the run
tagged `resumed-from:<id>` so the Prefect UI links the two runs as the ledger does.
"""

from __future__ import annotations

from uuid import UUID

from prefect.artifacts import create_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.logging import get_run_logger
from prefect.runtime import flow_run as current_run

from golive.context import LaunchContext
from golive.ledger import open_ledger
from golive.ledger.models import Launch
from golive.request import LaunchRequest
from golive.results import GateResult
from golive.resume import check_resumable, plan_resume
from golive.transient import retry_transient
from tasks.migrate import migrations_of


def resumed_launch(request: LaunchRequest) -> Launch | None:
    """The launch this request resumes (checked: NO-GO or CRASHED, same manifest, environment,
    variant and kind), None for a fresh launch; InputError before anything is opened."""
    if request.resume_launch is None:
        return None
    return check_resumable(
        open_ledger(),
        request.resume_launch,
        request.environment,
        manifest=request.manifest,
        variant=request.variant,
        rehearsal=request.rehearsal,
    )


def reuse_from(ctx: LaunchContext, old: Launch) -> tuple[dict[str, GateResult], list[str]]:
    """The earlier results this launch takes instead of running their gates, and one line per
    reusable gate saying whether it is reused and why (logged, in an artifact, in the report)."""
    tool = migrations_of(ctx)
    url = ctx.database_url()

    def database_at() -> tuple[str | None, tuple[str, ...]]:
        return tool.current(url), tool.heads(url)

    decisions = plan_resume(ctx, open_ledger(), old, database_at)
    lines = [ctx.redactor()(d.line) for d in decisions]
    logger = get_run_logger()
    logger.info("launch %s resumes launch %s (%s)", ctx.launch_id, old.id, old.verdict)
    for line in lines:
        logger.info("resume: %s", line)
    create_markdown_artifact(
        key="resume-plan",
        markdown="\n".join(
            [f"# Launch {ctx.launch_id} resumes launch {old.id}", "", *[f"- {x}" for x in lines]]
        )
        + "\n",
        description=f"resumed from launch {old.id} ({old.verdict})",
    )
    tag_run(old.id)
    return {d.gate: d.reuse for d in decisions if d.reuse is not None}, lines


def tag_run(old_id: int) -> None:
    """Tag this flow run `resumed-from:<id>` (kept with the tags it was started with)."""
    run_id = current_run.get_id()
    if not run_id:
        return
    tags = sorted({*current_run.tags, f"resumed-from:{old_id}"})

    def update() -> None:
        with get_client(sync_client=True) as client:
            client.update_flow_run(UUID(run_id), tags=tags)

    retry_transient(update)
